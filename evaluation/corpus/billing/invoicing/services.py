import logging
import uuid
from decimal import Decimal

from asgiref.sync import async_to_sync, sync_to_async
from django.db import transaction
from django.db.models import F

from customers.models import Subscription

from . import gateway
from .models import Invoice, InvoiceLine, Payment

logger = logging.getLogger("billing")


def next_invoice_number():
    last = Invoice.objects.order_by("-id").values_list("id", flat=True).first() or 0
    return f"INV-{last + 1:06d}"


def invoice_subscription(subscription_id):
    with transaction.atomic():
        sub = Subscription.objects.select_related("plan", "customer").get(pk=subscription_id)
        invoice = Invoice.objects.create(number=next_invoice_number(), customer=sub.customer,
                                         subscription=sub, status=Invoice.Status.OPEN)
        InvoiceLine.objects.create(invoice=invoice, description=sub.plan.name, amount=sub.monthly_total())
        invoice.recalculate()
    return invoice


ainvoice_subscription = sync_to_async(invoice_subscription)


def record_payment(invoice_id, gateway_ref, amount):
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=invoice_id)
        Payment.objects.create(invoice=invoice, gateway_ref=gateway_ref, amount=amount)
        invoice.status = Invoice.Status.PAID
        invoice.save(update_fields=["status"])
    return invoice


def charge_invoice_sync(invoice_id):
    """Used by the nightly cron (sync)."""
    invoice = Invoice.objects.select_related("customer").get(pk=invoice_id)
    result = async_to_sync(gateway.AsyncGateway().charge)(
        invoice.customer.gateway_id, int(invoice.amount * 100), f"inv-{invoice.pk}"
    )
    return record_payment(invoice.pk, result["id"] + uuid.uuid4().hex[:6], invoice.amount)


async def apply_credit(invoice, amount: Decimal):
    await Invoice.objects.filter(pk=invoice.pk).aupdate(amount=F("amount") - amount)
    await invoice.arefresh_from_db(fields=["amount"])
    return invoice
