"""How the runtime check runs the newsroom project."""
from _support import fresh, login_session, set_session_data

SETTINGS = "newsroom.settings"
ENV = {
    "WIRE_FEED_URL": "{http}/wire/latest.json",
    "SEARCH_PING_URL": "{http}/ping",
    "IMAGE_CDN_URL": "{http}/cdn",
}



def seed():
    from datetime import timedelta

    from django.contrib.auth.models import User
    from django.contrib.contenttypes.models import ContentType
    from django.db.models.signals import post_save
    from django.utils import timezone

    from news.models import Article, Category, Comment
    from news.receivers import article_saved
    from reactions.models import Reaction

    post_save.disconnect(article_saved, sender=Article)  # seeding should not ping anything
    try:
        ed = User.objects.create(username="editor", first_name="Eda", last_name="Tor")
        reader = User.objects.create(username="reader")
        politics = Category.objects.create(name="Politics", slug="politics")
        now = timezone.now()
        a1 = Article.objects.create(title="Budget passes", slug="budget-passes", author=ed, category=politics,
                                    body="...", status="published", published_at=now - timedelta(hours=2))
        a2 = Article.objects.create(title="Election night", slug="election-night", author=ed, category=politics,
                                    body="budget talk", status="published", published_at=now - timedelta(days=1))
        Article.objects.create(title="Draft piece", slug="draft-piece", author=ed, category=politics, body="tbd")
        a1.related.set([a2])
        Comment.objects.create(article=a1, name="Ann", text="Finally", approved=True)
        Comment.objects.create(article=a1, name="Bob", text="spam")
        ct = ContentType.objects.get_for_model(Article)
        Reaction.objects.create(content_type=ct, object_id=a1.pk, user=reader, kind="like")
        Reaction.objects.create(content_type=ct, object_id=a2.pk, user=ed, kind="angry")
        Reaction.objects.create(content_type=ct, object_id=a1.pk, user=ed, kind="like")
    finally:
        post_save.connect(article_saved, sender=Article)
    key = login_session(ed)
    set_session_data(key, history=[a2.pk])
    return {
        "session_key": key,
        "slug": a1.slug,
        "pk": 2,
        "year": now.year,
        "author": fresh(lambda: User.objects.get(username="editor")),
        "url": "/articles/budget-passes/",
        "items": [{"title": "x"}],
        "sender": Article,
        "article": fresh(lambda: Article.objects.get(pk=a1.pk)),
        "instance": fresh(lambda: Article.objects.get(pk=a1.pk)),
        "created": False,
        "username": "editor",
    }


CALLS = {
    "news.api_v2.category_feed": {"kwargs": {"slug": "politics"}},
    "news.views.category_page": {"kwargs": {"slug": "politics"}},
    "news.views.category_page_v2": {"kwargs": {"slug": "politics"}},
    "news.views.ArticleCommentsView": {"url_kwargs": {"slug": "budget-passes"}, "post": {"data": {"text": "hi"}}},
    "reactions.views.react": {"data": {"kind": "love"}},
}
SKIP = {}
