"""Small JSON API used by the storefront JS. Plain Django, no DRF."""
import functools

from django.http import JsonResponse

from . import services as svc
from .models import Book, Publisher, Tag
from .services import lookup_isbn as isbn_lookup


def json_endpoint(view):
    """Turn an async view that returns plain data into a JSON view."""

    @functools.wraps(view)
    async def wrapper(request, *args, **kwargs):
        try:
            payload = await view(request, *args, **kwargs)
        except (Book.DoesNotExist, Publisher.DoesNotExist):
            return JsonResponse({"detail": "not found"}, status=404)
        return JsonResponse(payload, safe=False)

    return wrapper


@json_endpoint
async def book_stock(request, pk):
    book = await Book.objects.only("id", "title", "stock").aget(pk=pk)
    return {"id": book.pk, "title": book.title, "stock": book.stock, "price": str(book.price)}  # PITFALL: DJA1 price is deferred by only(), loading it queries


@json_endpoint
async def tag_list(request):
    return [t.slug for t in Tag.objects.order_by("slug")]  # PITFALL: DJA1 sync iteration over a queryset


@json_endpoint
async def tag_list_v2(request):
    return [t.slug async for t in Tag.objects.order_by("slug")]


@json_endpoint
async def publisher_books(request, pk):
    publisher = await Publisher.objects.aget(pk=pk)
    books = publisher.book_set.order_by("title")
    total = await books.acount()
    titles = list(books.values_list("title", flat=True))  # PITFALL: DJA1 list() evaluates the queryset
    return {"publisher": publisher.name, "total": total, "titles": titles}


@json_endpoint
async def bestsellers_api(request):
    top = svc.bestsellers(3)  # PITFALL: DJA1 helper in services.py materialises a queryset
    return [{"id": b.pk, "title": b.title, "sold": b.sold} for b in top]


@json_endpoint
async def isbn_preview(request, isbn):
    meta = isbn_lookup(isbn)  # PITFALL: DJA3 aliased helper does a blocking requests.get
    return {"isbn": isbn, "title": meta.get("title")}


@json_endpoint
async def isbn_preview_v2(request, isbn):
    meta = await svc.fetch_isbn_metadata(isbn)
    return {"isbn": isbn, "title": meta.get("title")}


@json_endpoint
async def restock_book(request, pk):
    quantity = int(request.GET.get("qty", "1"))
    svc.arestock(pk, quantity)  # PITFALL: DJA2 async helper called without await
    book = await Book.objects.aget(pk=pk)
    return {"id": book.pk, "stock": book.stock}


@json_endpoint
async def book_json(request, pk):
    book = await Book.objects.select_related("author").aget(pk=pk)
    return svc.book_payload(book)
