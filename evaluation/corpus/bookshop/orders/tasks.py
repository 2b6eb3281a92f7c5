"""Fire-and-forget jobs. Called from views and from the cron container."""
import asyncio
import logging

import httpx
from asgiref.sync import sync_to_async
from django.conf import settings

from .emails import send_shipping_notice
from .models import Order

log = logging.getLogger(__name__)


async def notify_warehouse(order_id):
    async with httpx.AsyncClient(base_url=settings.WAREHOUSE_API_URL, timeout=5) as client:
        await client.post("/orders/", json={"order": order_id})


def schedule_warehouse_sync(order_id):
    """Called from the admin action (sync)."""
    notify_warehouse(order_id)  # PITFALL: DJA2 coroutine created in sync code and dropped
    log.info("warehouse sync scheduled for %s", order_id)


async def ship_order(order_id):
    order = await Order.objects.select_related("customer").aget(pk=order_id)
    order.status = Order.Status.SHIPPED
    await order.asave(update_fields=["status"])
    await asyncio.gather(
        notify_warehouse(order.pk),
        sync_to_async(send_shipping_notice)(order.customer.email, order.pk),
    )


async def close_stale_orders():
    stale = Order.objects.open().filter(total=0)
    async for order in stale:
        order.status = Order.Status.CANCELLED
        order.save(update_fields=["status"])  # PITFALL: DJA1 save() inside async for
    return True
