import asyncio
import json
import uuid
from decimal import Decimal
from functools import wraps

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core import serializers
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db import connection, transaction
from django.http import JsonResponse, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import DetailView

from customers.models import Customer

from . import gateway, services
from .gateway import AsyncGateway
from .models import Invoice, InvoiceLine, Payment, WebhookEvent


def require_api_key(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.headers.get("X-Api-Key") != settings.BILLING_API_KEY:
            return JsonResponse({"detail": "forbidden"}, status=403)
        return view(request, *args, **kwargs)

    return wrapper


async def invoice_list(request):
    invoices = Invoice.objects.select_related("customer").order_by("-issued_on")
    if status := request.GET.get("status"):
        invoices = invoices.filter(status=status)
    page = Paginator(invoices, 25).page(int(request.GET.get("page", 1)))  # PITFALL: DJA1 Paginator.page() counts and validates on the loop
    return TemplateResponse(request, "invoicing/invoice_list.html", {"page": page})


async def invoice_detail(request, pk):
    invoice = await Invoice.objects.aget(pk=pk)
    lines = [{"description": l.description, "amount": str(l.amount)} for l in invoice.lines.all()]  # PITFALL: DJA1 iterating a related manager queryset on the loop
    return JsonResponse({
        "number": invoice.number,
        "customer": invoice.customer.name,  # PITFALL: DJA1 customer FK not loaded
        "customer_id": invoice.customer_id,
        "lines": lines,
    })


async def invoice_detail_v2(request, pk):
    invoice = await Invoice.objects.select_related("customer").aget(pk=pk)
    lines = [
        {"description": l.description, "amount": str(l.amount)}
        async for l in InvoiceLine.objects.filter(invoice_id=invoice.pk).order_by("id")
    ]
    return JsonResponse({"number": invoice.number, "customer": invoice.customer.name, "lines": lines})


async def customer_balance(request, customer_id):
    outstanding = Invoice.objects.for_customer(customer_id).outstanding_total()  # PITFALL: DJA1 custom queryset method aggregates synchronously
    paid = await Payment.objects.filter(invoice__customer_id=customer_id).acount()
    return JsonResponse({"outstanding": str(outstanding), "payments": paid})


async def customer_balance_v2(request, customer_id):
    outstanding = await Invoice.objects.for_customer(customer_id).aoutstanding_total()
    cached = await cache.aget(f"balance:{customer_id}")
    if cached is None:
        await cache.aset(f"balance:{customer_id}", str(outstanding), 60)
    return JsonResponse({"outstanding": str(outstanding)})


@require_api_key  # PITFALL: DJA6 sync wrapper around an async view: Django sees a sync view that returns a coroutine
async def usage_report(request):
    total = await Invoice.objects.acount()
    return JsonResponse({"invoices": total})


async def pay_invoice(request, pk):
    invoice = await Invoice.objects.select_related("customer").aget(pk=pk)
    result = gateway.charge(invoice.customer.gateway_id, int(invoice.amount * 100), f"inv-{pk}")  # PITFALL: DJA3 requests.Session.post to the gateway on the loop
    await sync_to_async(services.record_payment)(invoice.pk, result["id"], invoice.amount)
    return JsonResponse({"paid": True})


async def pay_invoice_v2(request, pk):
    invoice = await Invoice.objects.select_related("customer").aget(pk=pk)
    result = await AsyncGateway().charge(invoice.customer.gateway_id, int(invoice.amount * 100), f"inv-{pk}")
    await sync_to_async(services.record_payment)(invoice.pk, result["id"] + "-v2", invoice.amount)
    return JsonResponse({"paid": True})


async def refund_payment(request, pk):
    payment = await Payment.objects.aget(pk=pk)
    AsyncGateway().refund(payment.gateway_ref)  # PITFALL: DJA2 async method called without await: the refund never happens
    return JsonResponse({"refunded": True})


async def convert_amount(request, pk):
    invoice = await Invoice.objects.select_related("customer").aget(pk=pk)
    rate = gateway.fx_rate(invoice.customer.currency)  # PITFALL: DJA3 helper uses the sync httpx.get
    return JsonResponse({"amount": str(invoice.amount * Decimal(str(rate)))})


async def issue_invoice(request, subscription_id):
    invoice = await services.ainvoice_subscription(subscription_id)
    return JsonResponse({"number": invoice.number}, status=201)


async def void_invoice(request, pk):
    invoice = await Invoice.objects.aget(pk=pk)
    invoice.status = Invoice.Status.VOID
    invoice.asave(update_fields=["status"])  # PITFALL: DJA2 asave() not awaited
    transaction.on_commit(lambda: None)  # PITFALL: DJA7 on_commit() needs the connection, on the loop
    return JsonResponse({"status": invoice.status})


async def lock_and_pay(request, pk):
    with transaction.atomic():  # PITFALL: DJA7 atomic() on the loop; the aget below does not even run in this transaction
        invoice = await Invoice.objects.select_for_update().aget(pk=pk)
    return JsonResponse({"number": invoice.number})


async def export_json(request):
    data = serializers.serialize("json", Invoice.objects.all())  # PITFALL: DJA1 serialize() iterates the queryset on the loop
    return JsonResponse(json.loads(data), safe=False)


async def export_json_v2(request):
    data = await sync_to_async(serializers.serialize)("json", Invoice.objects.all())
    return JsonResponse(json.loads(data), safe=False)


async def raw_revenue(request):
    with connection.cursor() as cursor:  # PITFALL: DJA1 raw cursor on the loop
        cursor.execute("SELECT COALESCE(SUM(amount), 0) FROM invoicing_invoice WHERE status = %s", ["paid"])
        (total,) = cursor.fetchone()
    return JsonResponse({"revenue": str(total)})


async def stream_invoices(request):
    async def rows():
        yield "number,amount\n"
        async for inv in Invoice.objects.order_by("id").values("number", "amount").aiterator():
            yield f"{inv['number']},{inv['amount']}\n"

    return StreamingHttpResponse(rows(), content_type="text/csv")


async def top_customers(request):
    key = "top-customers"
    top = cache.get(key)
    if top is None:
        top = [c.name for c in Customer.objects.order_by("name")[:5]]  # PITFALL: DJA1 list comprehension over a queryset
        cache.set(key, top, 300)
    return JsonResponse({"top": top})


async def batch_credit(request):
    credit = Decimal(request.GET.get("credit", "1.00"))
    invoices = [i async for i in Invoice.objects.unpaid()]
    await asyncio.gather(*(services.apply_credit(i, credit) for i in invoices))
    return JsonResponse({"credited": len(invoices)})


@method_decorator(csrf_exempt, name="dispatch")
class GatewayWebhookView(View):
    """csrf_exempt on the inherited sync dispatch only sets an attribute: fine for async handlers."""

    async def post(self, request):
        payload = json.loads(request.body or b"{}")
        event, created = await WebhookEvent.objects.aget_or_create(
            event_id=payload.get("id", uuid.uuid4().hex), defaults={"kind": payload.get("type", "unknown"), "payload": payload}
        )
        return JsonResponse({"duplicate": not created})


class InvoiceDetailView(DetailView):
    model = Invoice
    template_name = "invoicing/invoice_detail.html"

    async def get(self, request, *args, **kwargs):
        self.object = self.get_object()  # PITFALL: DJA1 SingleObjectMixin.get_object() runs queryset.get() on the loop
        return self.render_to_response(self.get_context_data(object=self.object))


async def forecast(request):
    """Monte-Carlo revenue forecast for the dashboard."""
    import random

    rng = random.Random(42)
    mrr = float(await Invoice.objects.acount() or 1) * 49.0
    months = int(request.GET.get("months", 24))
    paths = [simulate(rng, mrr, months) for _ in range(3000)]  # PITFALL: DJA4 pure-Python simulation loop holds the loop for seconds
    return JsonResponse({"p50": sorted(paths)[len(paths) // 2]})


def simulate(rng, mrr, months):
    value = mrr
    for _ in range(months):
        for _day in range(30):
            value *= 1 + rng.gauss(0.0005, 0.002)
    return value
