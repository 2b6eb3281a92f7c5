import logging

import httpx
import requests
from asgiref.sync import async_to_sync, sync_to_async
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction

from .models import Purchase, Ticket
from .retry import aretry, retry
from .signing import ticket_code

log = logging.getLogger(__name__)


class PaymentsClient:
    def __init__(self):
        self.http = httpx.AsyncClient(base_url=settings.PAYMENTS_URL, timeout=10)

    async def capture(self, amount_cents, ref):
        resp = await self.http.post("/captures", json={"amount": amount_cents, "ref": ref})
        return resp.json()

    async def aclose(self):
        await self.http.aclose()


def capture_sync(amount_cents, ref):
    return requests.post(f"{settings.PAYMENTS_URL}/captures", json={"amount": amount_cents, "ref": ref}, timeout=10).json()


def issue_tickets(purchase_id, names):
    with transaction.atomic():
        purchase = Purchase.objects.select_for_update().get(pk=purchase_id)
        tickets = [
            Ticket(purchase=purchase, holder_name=name, code=ticket_code(purchase.pk, i))
            for i, name in enumerate(names)
        ]
        Ticket.objects.bulk_create(tickets)
        purchase.paid = True
        purchase.save(update_fields=["paid"])
    return tickets


aissue_tickets = sync_to_async(issue_tickets)


@retry(times=2, delay=0.3)
async def print_badge(ticket_code_value):
    async with httpx.AsyncClient(base_url=settings.BADGE_PRINTER_URL, timeout=2) as client:
        resp = await client.post("/print", json={"code": ticket_code_value})
    if resp.status_code != 200:
        raise OSError("printer busy")
    return True


@aretry(times=2, delay=0.3)
async def print_badge_v2(ticket_code_value):
    async with httpx.AsyncClient(base_url=settings.BADGE_PRINTER_URL, timeout=2) as client:
        resp = await client.post("/print", json={"code": ticket_code_value})
    return resp.status_code == 200


def send_receipt(email, purchase_id):
    send_mail(f"Receipt #{purchase_id}", "Thanks!", "tickets@example.org", [email])


def notify_sync(email, purchase_id):
    """Used by the admin action."""
    async_to_sync(asend_receipt)(email, purchase_id)


async def asend_receipt(email, purchase_id):
    await sync_to_async(send_receipt)(email, purchase_id)
