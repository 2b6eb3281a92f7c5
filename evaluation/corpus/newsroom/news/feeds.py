"""Wire-service import. The sync variant is used by the `import_wire` command."""
import asyncio
import json

import httpx
import requests
import urllib3
from asgiref.sync import sync_to_async
from django.conf import settings
from django.utils import timezone
from django.utils.text import slugify

from .models import Article, Category

_pool = urllib3.PoolManager()


def fetch_wire_items():
    return requests.get(settings.WIRE_FEED_URL, timeout=10).json().get("items", [])


async def afetch_wire_items():
    async with httpx.AsyncClient(timeout=10) as client:
        resp = await client.get(settings.WIRE_FEED_URL)
    return resp.json().get("items", [])


async def import_wire(author):
    items = await afetch_wire_items()
    category, _ = await Category.objects.aget_or_create(slug="wire", defaults={"name": "Wire"})
    created = 0
    for item in items:
        _, was_created = await Article.objects.aget_or_create(
            slug=slugify(item["title"])[:50],
            defaults={"title": item["title"], "body": item.get("body", ""), "author": author, "category": category},
        )
        created += was_created
    return created


async def refresh_hero_images(limit=3):
    slugs = [a.slug async for a in Article.published.only("slug")[:limit]]
    for slug in slugs:
        _pool.request("HEAD", f"{settings.IMAGE_CDN_URL}/heroes/{slug}.jpg", timeout=5)  # PITFALL: DJA3 urllib3 request on the loop
    return len(slugs)


async def wire_preview(request):
    from django.http import JsonResponse

    items = await sync_to_async(fetch_wire_items)()
    raw = await asyncio.to_thread(requests.get, settings.WIRE_FEED_URL, timeout=10)
    return JsonResponse({"count": len(items), "status": raw.status_code})


async def wire_preview_legacy(request):
    from django.http import JsonResponse

    items = fetch_wire_items()  # PITFALL: DJA3 helper calls requests.get
    return JsonResponse({"count": len(items), "at": timezone.now().isoformat()})


def dump_items(items):
    return json.dumps(items, indent=2)
