"""Stock events are fanned out to websocket clients and the ERP."""
import logging

import httpx
from asgiref.sync import async_to_sync
from django.conf import settings

log = logging.getLogger(__name__)


async def push_event(event):
    async with httpx.AsyncClient(base_url=settings.SUPPLIER_API_URL, timeout=5) as client:
        await client.post("/events", json=event)


def publish_stock_event(event):
    """For sync callers (admin actions, management commands)."""
    async_to_sync(push_event)(event)


async def apublish_stock_event(event):
    try:
        await push_event(event)
    except httpx.HTTPError:
        log.exception("event push failed")
