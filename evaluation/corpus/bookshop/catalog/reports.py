"""Async reports for the back-office dashboard."""
import asyncio
import logging

from asgiref.sync import sync_to_async
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Avg, Count, Sum
from django.http import JsonResponse
from django.shortcuts import aget_list_or_404
from django.template.response import TemplateResponse

from orders.models import Order, OrderLine

from .models import Author, Book, Review, Tag

log = logging.getLogger(__name__)


async def stock_report(request):
    books = Book.objects.select_related("author", "publisher").order_by("stock")
    log.debug("stock report sql: %s", books.query)
    rows = [
        {"title": b.title, "author": b.author.full_name, "publisher": b.publisher.name if b.publisher else None,
         "author_id": b.author_id, "stock": b.stock}
        async for b in books[:50]
    ]
    return JsonResponse({"rows": rows, "ordered": books.ordered})


async def revenue_by_book(request):
    totals = OrderLine.objects.values("book__title").annotate(units=Sum("quantity")).order_by("-units")
    data = [row async for row in totals[:10]]
    agg = await OrderLine.objects.aaggregate(units=Sum("quantity"))
    return JsonResponse({"top": data, "units": agg["units"] or 0})


async def author_overview(request, pk):
    books = await aget_list_or_404(Book.objects.prefetch_related("tags"), author_id=pk)
    tags = sorted({t.slug for b in books for t in b.tags.all()})
    ratings = await Review.objects.filter(book__author_id=pk).aaggregate(avg=Avg("rating"), n=Count("id"))
    return JsonResponse({"books": len(books), "tags": tags, "rating": ratings["avg"], "reviews": ratings["n"]})


async def tag_cloud(request):
    cloud = await cache.aget_or_set("tag-cloud", {}, 60)
    if not cloud:
        cloud = {t.slug: t.n async for t in Tag.objects.annotate(n=Count("books"))}
        await cache.aset("tag-cloud", cloud, 60)
    return JsonResponse(cloud)


async def order_pages(request):
    paginator = Paginator(Order.objects.order_by("-created_at"), 20)
    page = await sync_to_async(paginator.get_page)(request.GET.get("page"))
    return TemplateResponse(request, "orders/history.html", {"page": page})


async def dashboard(request):
    book_count, author_count, open_orders = await asyncio.gather(
        Book.objects.acount(), Author.objects.acount(), Order.objects.open().acount()
    )
    return JsonResponse({"books": book_count, "authors": author_count, "open_orders": open_orders})


async def reviews_for_moderation(request):
    pending = Review.objects.filter(rating__lte=2).select_related("book", "user")
    flagged = [
        {"book": r.book.title, "user": r.user.username, "body": r.body[:80]}
        async for r in pending.aiterator(chunk_size=100)
    ]
    return JsonResponse({"flagged": flagged})


async def unsold_titles(request):
    sold = OrderLine.objects.values_list("book_id", flat=True)
    titles = [t async for t in Book.objects.exclude(pk__in=sold).values_list("title", flat=True)]
    counts = Book.objects.filter(stock=0).count  # a bound method, evaluated in a thread below
    out_of_stock = await sync_to_async(counts)()
    return JsonResponse({"unsold": titles, "out_of_stock": out_of_stock})


async def low_rated(request):
    qs = Book.objects.annotate(avg=Avg("reviews__rating")).filter(avg__lt=3)
    if qs.aexists():  # PITFALL: DJA2 aexists() not awaited: the coroutine is always truthy
        return JsonResponse({"low": True})
    return JsonResponse({"low": False})


async def top_reviewers(request):
    reviewers = Review.objects.values("user__username").annotate(n=Count("id")).order_by("-n")
    top = reviewers[0] if await reviewers.aexists() else None  # PITFALL: DJA1 integer index runs a query
    return JsonResponse({"top": top})
