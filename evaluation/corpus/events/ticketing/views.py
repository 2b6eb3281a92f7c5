import asyncio
import json

from asgiref.sync import async_to_sync, sync_to_async
from django.conf import settings
from django.db import transaction
from django.http import JsonResponse
from django.views.decorators.http import require_POST

from conferences.models import Conference

from . import services
from .models import Purchase, Ticket, TicketType
from .services import PaymentsClient, capture_sync as charge
from .signing import ticket_code, verify


async def ticket_types(request, slug):
    conference = await Conference.objects.aget(slug=slug)
    types = [
        {"id": t.id, "name": t.name, "price": t.price_cents / 100, "left": t.quota}
        async for t in conference.ticket_types.order_by("price_cents")
    ]
    return JsonResponse({"types": types})


@require_POST
async def buy(request, type_id):
    user = await request.auser()
    ticket_type = await TicketType.objects.aget(pk=type_id)
    data = json.loads(request.body or b"{}")
    purchase = await Purchase.objects.acreate(buyer=user, ticket_type=ticket_type, quantity=len(data.get("names", [])) or 1)
    result = charge(ticket_type.price_cents * purchase.quantity, f"p{purchase.pk}")  # PITFALL: DJA3 aliased sync payments call (requests.post) on the loop
    purchase.payment_ref = result.get("id", "")
    await purchase.asave(update_fields=["payment_ref"])
    return JsonResponse({"purchase": purchase.pk}, status=201)


@require_POST
async def buy_v2(request, type_id):
    user = await request.auser()
    ticket_type = await TicketType.objects.aget(pk=type_id)
    data = json.loads(request.body or b"{}")
    purchase = await Purchase.objects.acreate(buyer=user, ticket_type=ticket_type, quantity=len(data.get("names", [])) or 1)
    client = PaymentsClient()
    try:
        result = await client.capture(ticket_type.price_cents * purchase.quantity, f"p{purchase.pk}")
    finally:
        await client.aclose()
    purchase.payment_ref = result.get("id", "")
    await purchase.asave(update_fields=["payment_ref"])
    return JsonResponse({"purchase": purchase.pk}, status=201)


async def issue(request, purchase_id):
    names = request.GET.getlist("name") or ["Guest"]
    tickets = await services.aissue_tickets(purchase_id, names)
    return JsonResponse({"codes": [t.code for t in tickets]})


async def check_in(request, code):
    ticket = await Ticket.objects.select_related("purchase").aget(code=code)
    index = int(request.GET.get("i", 0))
    if not verify(code, ticket.purchase_id, index):  # PITFALL: DJA4 verify() re-derives the code with 3M PBKDF2 rounds on the loop
        return JsonResponse({"ok": False}, status=403)
    ticket.checked_in = True
    await ticket.asave(update_fields=["checked_in"])
    return JsonResponse({"ok": True})


async def check_in_v2(request, code):
    ticket = await Ticket.objects.aget(code=code)
    index = int(request.GET.get("i", 0))
    ok = await asyncio.to_thread(verify, code, ticket.purchase_id, index)
    if ok:
        await Ticket.objects.filter(pk=ticket.pk).aupdate(checked_in=True)
    return JsonResponse({"ok": ok})


async def badge(request, code):
    ticket = await Ticket.objects.aget(code=code)
    printed = await services.print_badge(ticket.code)
    return JsonResponse({"printed": printed})


async def badge_v2(request, code):
    ticket = await Ticket.objects.aget(code=code)
    printed = await services.print_badge_v2(ticket.code)
    return JsonResponse({"printed": printed})


async def resend_receipt(request, purchase_id):
    purchase = await Purchase.objects.select_related("buyer").aget(pk=purchase_id)
    services.notify_sync(purchase.buyer.email, purchase.pk)  # PITFALL: DJA7 helper runs async_to_sync inside the running loop: RuntimeError
    return JsonResponse({"sent": True})


async def resend_receipt_v2(request, purchase_id):
    purchase = await Purchase.objects.select_related("buyer").aget(pk=purchase_id)
    await services.asend_receipt(purchase.buyer.email, purchase.pk)
    return JsonResponse({"sent": True})


async def receipt_now(request, purchase_id):
    purchase = await Purchase.objects.select_related("buyer").aget(pk=purchase_id)
    services.send_receipt(purchase.buyer.email, purchase.pk)  # PITFALL: DJA3 helper sends SMTP mail on the loop
    return JsonResponse({"sent": True})


async def refund(request, purchase_id):
    purchase = await Purchase.objects.aget(pk=purchase_id)
    with transaction.atomic():  # PITFALL: DJA7 atomic() on the loop
        await Ticket.objects.filter(purchase_id=purchase.pk).adelete()
    purchase.paid = False
    await purchase.asave(update_fields=["paid"])
    return JsonResponse({"refunded": True})


async def sold_out(request, type_id):
    ticket_type = await TicketType.objects.aget(pk=type_id)
    sold = ticket_type.purchases.filter(paid=True).count()  # PITFALL: DJA1 count() through the reverse manager
    return JsonResponse({"sold_out": sold >= ticket_type.quota})


async def my_tickets(request):
    user = await request.auser()
    tickets = Ticket.objects.filter(purchase__buyer=user).select_related("purchase__ticket_type__conference")
    return JsonResponse({"tickets": [
        {"code": t.code[:8], "conference": t.purchase.ticket_type.conference.slug} async for t in tickets
    ]})


async def preview_code(request, purchase_id):
    code = await sync_to_async(ticket_code)(purchase_id, 0)
    return JsonResponse({"preview": code[:6]})


async def quick_code(request, purchase_id):
    code = ticket_code(purchase_id, 0)  # PITFALL: DJA4 PBKDF2 code derivation on the loop
    return JsonResponse({"preview": code[:6]})


async def ping_printer(request):
    client = PaymentsClient()
    client.http.get("/health")  # PITFALL: DJA2 AsyncClient.get() not awaited
    await client.aclose()
    return JsonResponse({"ok": True})


async def organizer_digest(request, slug):
    conference = await Conference.objects.aget(slug=slug)
    count = async_to_sync(conference.talks.acount)()  # PITFALL: DJA7 async_to_sync inside a coroutine raises RuntimeError
    return JsonResponse({"talks": count})
