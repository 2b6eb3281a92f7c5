from django.dispatch import Signal

article_published = Signal()  # sender=Article, article=<Article>
