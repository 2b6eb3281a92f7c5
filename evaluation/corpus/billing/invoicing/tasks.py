"""Background jobs run by the worker container (an asyncio loop) and by cron."""
import asyncio
import logging

from asgiref.sync import async_to_sync, sync_to_async
from django.core.mail import send_mail

from customers.models import Subscription

from . import services
from .models import Invoice, WebhookEvent

log = logging.getLogger(__name__)
_background = set()


async def process_webhook_event(event_id):
    event = await WebhookEvent.objects.aget(pk=event_id)
    if event.kind == "charge.succeeded":
        invoice = await Invoice.objects.aget(number=event.payload.get("invoice"))
        await sync_to_async(services.record_payment)(invoice.pk, event.payload["charge"], invoice.amount)
    event.processed = True
    await event.asave(update_fields=["processed"])


async def process_pending_events():
    pending = WebhookEvent.objects.filter(processed=False)
    for event in pending:  # PITFALL: DJA1 sync for over a queryset in an async task
        task = asyncio.create_task(process_webhook_event(event.pk))
        _background.add(task)
        task.add_done_callback(_background.discard)
    await asyncio.gather(*_background, return_exceptions=True)


async def monthly_invoicing():
    subs = Subscription.active.select_related("plan", "customer")
    created = 0
    async for sub in subs:
        await services.ainvoice_subscription(sub.pk)
        created += 1
    log.info("created %s invoices", created)
    return created


async def dunning_run():
    overdue = Invoice.objects.unpaid().select_related("customer")
    async for invoice in overdue:
        send_mail(  # PITFALL: DJA3 SMTP send inside the async loop
            f"Invoice {invoice.number} is overdue",
            "Please pay.",
            "billing@example.com",
            [invoice.customer.email],
        )
        asyncio.sleep(0.05)  # PITFALL: DJA2 asyncio.sleep() without await: no throttling at all


def run_monthly_invoicing():
    """Entry point for cron (sync)."""
    return async_to_sync(monthly_invoicing)()


def kick_dunning():
    """Called from the admin action."""
    dunning_run()  # PITFALL: DJA2 coroutine function called from sync code, never awaited
    return "scheduled"


async def nightly():
    created = await monthly_invoicing()
    loop_result = asyncio.run(dunning_run())  # PITFALL: DJA7 asyncio.run() inside a running event loop raises RuntimeError
    return created, loop_result
