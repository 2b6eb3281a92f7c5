"""Catalog helpers shared by the HTML views, the JSON API and the admin."""
import logging

import httpx
import requests
from django.conf import settings
from django.db.models import F, Sum

from .models import Author, Book

log = logging.getLogger(__name__)


def bestsellers(limit=5):
    """Top sellers by units sold (all time)."""
    qs = Book.objects.annotate(sold=Sum("order_lines__quantity")).order_by("-sold", "title")
    return list(qs[:limit])


def lookup_isbn(isbn):
    """Fetch bibliographic data for an ISBN (blocking; fine in management commands)."""
    resp = requests.get(f"{settings.ISBN_API_URL}/isbn/{isbn}", timeout=5)
    resp.raise_for_status()
    return resp.json()


async def fetch_isbn_metadata(isbn):
    async with httpx.AsyncClient(base_url=settings.ISBN_API_URL, timeout=5) as client:
        resp = await client.get(f"/isbn/{isbn}")
        resp.raise_for_status()
        return resp.json()


def author_names():
    return {a.pk: a.full_name for a in Author.objects.all()}


def restock(book_id, quantity):
    return Book.objects.filter(pk=book_id).update(stock=F("stock") + quantity)


async def arestock(book_id, quantity):
    return await Book.objects.filter(pk=book_id).aupdate(stock=F("stock") + quantity)


def book_payload(book):
    """Serialise a book; expects author to be selected already."""
    return {
        "id": book.pk,
        "title": book.title,
        "author": book.author.full_name,
        "price": str(book.price),
        "in_stock": book.in_stock,
    }
