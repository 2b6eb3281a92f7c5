"""Background checks through the vendor API."""
import asyncio
from contextlib import asynccontextmanager

import httpx
from django.conf import settings


@asynccontextmanager
async def vendor_client():
    async with httpx.AsyncClient(base_url=settings.BACKGROUND_CHECK_URL, timeout=10) as client:
        yield client


async def start_check(email):
    async with vendor_client() as client:
        resp = await client.post("/checks", json={"email": email})
    return resp.json().get("id")


def start_check_blocking(email):
    with httpx.Client(base_url=settings.BACKGROUND_CHECK_URL, timeout=10) as client:
        return client.post("/checks", json={"email": email}).json().get("id")


def start_check_from_script(email):
    """CLI helper."""
    return asyncio.run(start_check(email))
