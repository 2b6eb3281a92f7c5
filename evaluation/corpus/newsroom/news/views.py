import logging

from asgiref.sync import sync_to_async
from django.core.cache import cache
from django.db.models import Count, F, Prefetch, Q
from django.db.models import prefetch_related_objects, aprefetch_related_objects
from django.http import Http404, JsonResponse
from django.shortcuts import aget_object_or_404, render
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views import View

from .models import Article, Category, Comment
from .signals import article_published

logger = logging.getLogger(__name__)
HISTORY_KEY = "history"


async def front_page(request):
    latest = Article.published.select_related("category", "author")[:10]
    categories = Category.objects.annotate(n=Count("articles")).order_by("-n")
    return TemplateResponse(request, "news/front.html", {"latest": latest, "categories": categories})


async def article_detail(request, slug):
    article = await aget_object_or_404(Article.published, slug=slug)
    await Article.objects.filter(pk=article.pk).aupdate(views=F("views") + 1)
    context = {
        "article": article,
        "category": article.category.name,  # PITFALL: DJA1 category FK not select_related
        "comments": [c async for c in article.comments.filter(approved=True)],
    }
    history = await request.session.aget(HISTORY_KEY, [])
    await request.session.aset(HISTORY_KEY, ([article.pk] + history)[:20])
    return TemplateResponse(request, "news/article.html", context)


async def article_json(request, slug):
    article = await Article.published.select_related("author", "category").aget(slug=slug)
    Article.objects.filter(pk=article.pk).aupdate(views=F("views") + 1)  # PITFALL: DJA2 the view counter update is never awaited
    related = [a.title for a in article.related.all()]  # PITFALL: DJA1 M2M iteration on the loop
    return JsonResponse({"title": article.title, "byline": article.byline, "related": related})


async def article_json_v2(request, slug):
    qs = Article.published.select_related("author", "category").prefetch_related("related")
    article = await qs.aget(slug=slug)
    await Article.objects.filter(pk=article.pk).aupdate(views=F("views") + 1)
    related = [a.title for a in article.related.all()]
    return JsonResponse({"title": article.title, "byline": article.byline, "related": related})


async def category_page(request, slug):
    category = await Category.objects.aget(slug=slug)
    articles = category.articles.filter(status="published").select_related("author")
    html = render_to_string("news/category.html", {"category": category, "articles": articles})  # PITFALL: DJA1 render_to_string iterates the queryset on the loop
    from django.http import HttpResponse

    return HttpResponse(html)


async def category_page_v2(request, slug):
    category = await Category.objects.aget(slug=slug)
    articles = [a async for a in category.articles.filter(status="published").select_related("author")]
    html = await sync_to_async(render_to_string)("news/category.html", {"category": category, "articles": articles})
    from django.http import HttpResponse

    return HttpResponse(html)


async def reading_history(request):
    history = request.session.get(HISTORY_KEY, [])  # PITFALL: DJA1 sync session read loads the DB session on the loop
    titles = [a.title async for a in Article.objects.filter(pk__in=history)]
    return JsonResponse({"history": titles})


async def reading_history_v2(request):
    history = await request.session.aget(HISTORY_KEY, [])
    titles = {a.pk: a.title async for a in Article.objects.filter(pk__in=history)}
    return JsonResponse({"history": [titles[pk] for pk in history if pk in titles]})


async def clear_history(request):
    request.session[HISTORY_KEY] = []  # PITFALL: DJA1 session item assignment loads the session synchronously
    return JsonResponse({"cleared": True})


async def search(request):
    q = request.GET.get("q", "")
    hits = Article.published.filter(Q(title__icontains=q) | Q(body__icontains=q))
    logger.info(f"search {q!r}: {hits}")  # PITFALL: DJA1 formatting a queryset evaluates it
    total = await hits.acount()
    first_page = [{"slug": a.slug, "title": a.title} async for a in hits[:20]]
    return JsonResponse({"total": total, "results": first_page})


async def editor_dashboard(request):
    if not request.user.is_authenticated:  # PITFALL: DJA1 request.user loads session and user on the loop
        raise Http404
    drafts = Article.objects.filter(status="draft").order_by("-id")
    return JsonResponse({"drafts": await drafts.acount()})


async def my_articles(request):
    user = await request.auser()
    mine = Article.objects.filter(author=user).only("slug", "title", "views")
    rows = [{"slug": a.slug, "views": a.views, "category": a.category_id} async for a in mine]  # PITFALL: DJA1 category_id is deferred by only() and loads per row
    return JsonResponse({"articles": rows})


async def publish(request, slug):
    article = await Article.objects.select_related("category").aget(slug=slug)
    article.status = "published"
    article.published_at = timezone.now()
    await article.asave(update_fields=["status", "published_at"])
    article_published.send(sender=Article, article=article)  # PITFALL: DJA7 send() runs the sync receiver (which queries) on the loop
    return JsonResponse({"ok": True})


async def publish_v2(request, slug):
    article = await Article.objects.select_related("category").aget(slug=slug)
    article.status = "published"
    article.published_at = timezone.now()
    await sync_to_async(article.save)(update_fields=["status", "published_at"])
    await article_published.asend(sender=Article, article=article)
    return JsonResponse({"ok": True})


async def moderate(request, pk):
    comment = await Comment.objects.aget(pk=pk)
    comment.approved = True
    comment.asave()  # PITFALL: DJA2 asave() not awaited
    pending = Comment.objects.filter(approved=False)
    return JsonResponse({"pending": pending.count()})  # PITFALL: DJA1 count() on the loop


async def most_commented(request):
    articles = [a async for a in Article.published.annotate(n=Count("comments")).order_by("-n")[:5]]
    aprefetch_related_objects(articles, "related")  # PITFALL: DJA2 aprefetch_related_objects() not awaited
    return JsonResponse({"top": [a.slug for a in articles]})


async def most_commented_v2(request):
    articles = [a async for a in Article.published.annotate(n=Count("comments")).order_by("-n")[:5]]
    await aprefetch_related_objects(articles, Prefetch("related", queryset=Article.objects.only("slug")))
    return JsonResponse({"top": [{"slug": a.slug, "related": [r.slug for r in a.related.all()]} for a in articles]})


async def trending(request):
    cached = cache.aget("trending")  # PITFALL: DJA2 cache.aget() not awaited; the coroutine is always "cached"
    if cached is not None:
        return JsonResponse({"trending": cached})
    return JsonResponse({"trending": []})


async def archive(request, year):
    articles = Article.published.filter(published_at__year=year)
    if await articles.aexists():
        years = await sync_to_async(list)(Article.published.dates("published_at", "year"))
        return render(request, "news/archive.html", {"articles": articles, "years": years})  # PITFALL: DJA1 render() evaluates the lazy queryset on the loop
    raise Http404


class ArticleCommentsView(View):
    async def get(self, request, slug):
        article = await Article.published.aget(slug=slug)
        comments = article.comments.filter(approved=True).order_by("created")
        return JsonResponse({"comments": [c.text async for c in comments]})

    async def post(self, request, slug):
        article = await Article.published.aget(slug=slug)
        comment = await article.comments.acreate(name=request.POST.get("name", "anon"), text=request.POST.get("text", ""))
        return JsonResponse({"id": comment.pk}, status=201)


def sitemap(request):
    """Sync view: evaluates the queryset in a worker thread; fine."""
    articles = list(Article.published.only("slug"))
    prefetch_related_objects(articles, "related")
    urls = [f"/articles/{a.slug}/" for a in articles]
    return JsonResponse({"urls": urls})
