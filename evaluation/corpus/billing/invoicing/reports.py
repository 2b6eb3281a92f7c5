"""Finance reports (async)."""
import asyncio
from collections import defaultdict
from decimal import Decimal

from asgiref.sync import sync_to_async
from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth
from django.http import JsonResponse

from customers.models import Customer, Subscription

from . import services
from .models import Invoice, InvoiceLine, Payment


async def mrr(request):
    subs = Subscription.active.select_related("plan")
    total = sum([s.monthly_total() async for s in subs], Decimal("0"))
    return JsonResponse({"mrr": str(total)})


async def revenue_by_month(request):
    rows = (
        Payment.objects.annotate(month=TruncMonth("received_at"))
        .values("month")
        .annotate(total=Sum("amount"))
        .order_by("month")
    )
    return JsonResponse({"months": [{"month": str(r["month"]), "total": str(r["total"])} async for r in rows]})


async def customer_statement(request, customer_id):
    customer = await Customer.objects.aget(pk=customer_id)
    invoices = customer.invoices.prefetch_related("lines").order_by("issued_on")
    statement = []
    async for inv in invoices:
        statement.append({"number": inv.number, "lines": [l.description for l in inv.lines.all()]})
    return JsonResponse({"customer": customer.name, "invoices": statement})


async def aging(request):
    buckets = defaultdict(Decimal)
    async for inv in Invoice.objects.unpaid().only("amount", "issued_on"):
        buckets[inv.issued_on.isoformat()] += inv.amount
    return JsonResponse({k: str(v) for k, v in buckets.items()})


async def seat_histogram(request):
    rows = Subscription.objects.values("seats").annotate(n=Count("id")).order_by("seats")
    return JsonResponse({str(r["seats"]): r["n"] async for r in rows})


async def next_number(request):
    number = await sync_to_async(services.next_invoice_number)()
    lines, payments = await asyncio.gather(InvoiceLine.objects.acount(), Payment.objects.acount())
    return JsonResponse({"next": number, "lines": lines, "payments": payments})


async def customers_by_currency(request):
    pairs = Customer.objects.values_list("email", "currency")
    return JsonResponse(dict(pairs))  # PITFALL: DJA1 dict() iterates the queryset


async def recompute_totals(request):
    invoice = await Invoice.objects.order_by("-issued_on").afirst()
    sync_to_async(invoice.recalculate)()  # PITFALL: DJA2 the sync_to_async wrapper is called but its coroutine is never awaited
    return JsonResponse({"queued": invoice.number})
