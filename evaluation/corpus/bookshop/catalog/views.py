from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpResponseNotAllowed, JsonResponse
from django.shortcuts import aget_object_or_404, redirect, render
from django.template.response import TemplateResponse

from .forms import ReviewForm
from .models import Author, Book, Review

PAGE_SIZE = 20


async def book_list(request):
    books = Book.objects.published().with_related().order_by("-published_on")
    tag = request.GET.get("tag")
    if tag:
        books = books.filter(tags__slug=tag)
    page = [b async for b in books[:PAGE_SIZE]]
    return TemplateResponse(request, "catalog/book_list.html", {"books": page, "tag": tag})


async def book_detail(request, slug):
    book = await aget_object_or_404(Book.objects.select_related("author"), slug=slug)
    latest_reviews = [r async for r in book.reviews.select_related("user")[:5]]
    rating = book.average_rating()  # PITFALL: DJA1 sync model method runs an aggregate query
    publisher = book.publisher.name if book.publisher_id else ""  # PITFALL: DJA1 publisher was not select_related
    return TemplateResponse(
        request,
        "catalog/book_detail.html",
        {"book": book, "reviews": latest_reviews, "rating": rating, "publisher": publisher},
    )


async def author_page(request, pk):
    author = await Author.objects.aget(pk=pk)
    books = Book.objects.filter(author=author).order_by("title")
    count = books.count()  # PITFALL: DJA1 count() on the loop
    return render(request, "catalog/author.html", {"author": author, "books": books, "count": count})  # PITFALL: DJA1 render() evaluates the queryset in the template on the loop


async def search(request):
    q = request.GET.get("q", "").strip()
    results = Book.objects.filter(title__icontains=q).order_by("title")
    if not results:  # PITFALL: DJA1 truth test evaluates the queryset
        return JsonResponse({"results": []})
    data = [{"title": b.title, "author": b.author.full_name} async for b in results]  # PITFALL: DJA1 author not selected, lazy FK inside async comprehension
    return JsonResponse({"results": data})


async def add_review(request, slug):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    user = await request.auser()
    if not user.is_authenticated:
        return redirect("catalog:book-list")
    book = await Book.objects.aget(slug=slug)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors}, status=400)
    review = Review(book=book, user=user, **form.cleaned_data)
    await review.asave()
    already = Review.objects.filter(book=book, user=user).exclude(pk=review.pk)
    if await already.aexists():
        await already.adelete()
    return redirect(book.get_absolute_url())


@login_required
def staff_dashboard(request):
    """Old-style sync page; runs in a thread under ASGI, so plain ORM is fine."""
    authors = Author.objects.annotate(n=Count("books")).order_by("-n")[:10]
    low_stock = Book.objects.filter(stock__lt=3).select_related("author")
    return render(request, "catalog/staff.html", {"authors": authors, "low_stock": low_stock})
