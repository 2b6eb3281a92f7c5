"""Supplier partner API."""
import asyncio

import httpx
import requests
from django.conf import settings


def get_price(sku):
    r = requests.get(f"{settings.SUPPLIER_API_URL}/prices/{sku}", timeout=5)
    r.raise_for_status()
    return r.json().get("rate", 0)


async def fetch_price(sku, client=None):
    if client is None:
        async with httpx.AsyncClient(base_url=settings.SUPPLIER_API_URL, timeout=5) as c:
            r = await c.get(f"/prices/{sku}")
    else:
        r = await client.get(f"/prices/{sku}")
    return r.json().get("rate", 0)


async def fetch_prices(skus):
    async with httpx.AsyncClient(base_url=settings.SUPPLIER_API_URL, timeout=5) as client:
        rates = await asyncio.gather(*(fetch_price(s, client) for s in skus))
    return dict(zip(skus, rates))
