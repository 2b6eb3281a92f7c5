"""Public JSON API v2 (async). Written after the v1 incidents, so mostly careful."""
import asyncio
import logging

from asgiref.sync import sync_to_async
from django.core.cache import cache
from django.db.models import Count, Prefetch
from django.http import JsonResponse
from django.shortcuts import aget_object_or_404

from .models import Article, Category, Comment

log = logging.getLogger(__name__)


def _article_out(article):
    # expects author and category to be selected
    return {
        "slug": article.slug,
        "title": article.title,
        "byline": article.byline,
        "category": article.category.slug,
        "category_id": article.category_id,
    }


async def articles(request):
    qs = Article.published.select_related("author", "category")
    if cat := request.GET.get("category"):
        qs = qs.filter(category__slug=cat)
    log.info("articles query built (%s)", "filtered" if cat else "all")
    return JsonResponse({"articles": [_article_out(a) async for a in qs[:20]]})


async def article(request, slug):
    a = await aget_object_or_404(Article.published.select_related("author", "category"), slug=slug)
    comments = [c async for c in a.comments.filter(approved=True).values("name", "text")]
    return JsonResponse({**_article_out(a), "comments": comments})


async def categories(request):
    cached = await cache.aget("categories:v2")
    if cached is None:
        cached = [
            {"slug": c.slug, "articles": c.n}
            async for c in Category.objects.annotate(n=Count("articles")).order_by("name")
        ]
        await cache.aset("categories:v2", cached, 300)
    return JsonResponse({"categories": cached})


async def category_feed(request, slug):
    category = await Category.objects.prefetch_related(
        Prefetch("articles", queryset=Article.published.select_related("author", "category"))
    ).aget(slug=slug)
    return JsonResponse({"articles": [_article_out(a) for a in category.articles.all()]})


async def comment_counts(request):
    counts = {}
    async for row in Comment.objects.values("article__slug").annotate(n=Count("id")).order_by():
        counts[row["article__slug"]] = row["n"]
    return JsonResponse(counts)


async def bulk_approve(request):
    ids = [int(i) for i in request.GET.getlist("id")] or [c async for c in Comment.objects.filter(approved=False).values_list("pk", flat=True)]
    approved = await Comment.objects.filter(pk__in=ids).aupdate(approved=True)
    return JsonResponse({"approved": approved})


async def article_stats(request, slug):
    a = await Article.published.aget(slug=slug)
    views, comments, related = await asyncio.gather(
        sync_to_async(lambda: Article.objects.filter(pk=a.pk).values_list("views", flat=True).get())(),
        a.comments.acount(),
        a.related.acount(),
    )
    return JsonResponse({"views": views, "comments": comments, "related": related})


async def latest_by_category(request):
    out = {}
    async for cat in Category.objects.order_by("slug"):
        latest = await Article.published.filter(category=cat).select_related("author", "category").afirst()
        out[cat.slug] = _article_out(latest) if latest else None
    return JsonResponse(out)


async def author_articles(request, username):
    qs = Article.published.filter(author__username=username)
    titles = [a.title for a in await sync_to_async(list)(qs)]
    first = titles[0] if titles else None
    return JsonResponse({"titles": titles, "first": first, "byline": qs.first().byline if first else None})  # PITFALL: DJA1 first() and the author FK both query on the loop


async def warm_cache(request):
    slugs = [s async for s in Article.published.values_list("slug", flat=True)]
    for slug in slugs:
        cache.aset(f"article:{slug}", True, 60)  # PITFALL: DJA2 cache.aset() not awaited: nothing is cached
    return JsonResponse({"warmed": len(slugs)})
