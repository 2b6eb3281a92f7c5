from asgiref.sync import sync_to_async
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_POST

from .cart import Cart
from .emails import send_order_confirmation
from .models import Order
from .tasks import notify_warehouse


async def cart_detail(request):
    cart = Cart(request.session)
    items = cart.items()  # PITFALL: DJA1 Cart.items() reads the DB-backed session synchronously
    return JsonResponse({"items": items})


@require_POST
async def add_to_cart(request, book_id):
    await Cart(request.session).aadd(book_id, int(request.POST.get("qty", 1)))
    return redirect("orders:cart")


@require_POST
async def checkout(request):
    user = await request.auser()
    cart = Cart(request.session)
    items = await cart.aitems()
    if not items:
        return redirect("orders:cart")
    order = await sync_to_async(Order.objects.create_for_cart)(user, items)
    await cart.aclear()
    send_order_confirmation(order)  # PITFALL: DJA1+DJA3 helper queries order lines and sends SMTP mail on the loop
    await notify_warehouse(order.pk)
    return redirect("orders:history")


async def order_history(request):
    orders = Order.objects.for_user(request.user).order_by("-created_at")  # PITFALL: DJA1 request.user loads session and user synchronously
    paginator = Paginator(orders, 10)
    page = paginator.get_page(request.GET.get("page"))  # PITFALL: DJA1 paginator counts rows on the loop
    return TemplateResponse(request, "orders/history.html", {"page": page})


async def order_status(request, pk):
    user = await request.auser()
    order = await Order.objects.filter(customer=user).aget(pk=pk)
    line_count = await order.lines.acount()
    return JsonResponse({"id": order.pk, "status": order.status, "lines": line_count})


async def reorder(request, pk):
    user = await request.auser()
    order = await Order.objects.aget(pk=pk, customer=user)
    cart = Cart(request.session)
    async for line in order.lines.all():
        await cart.aadd(line.book_id, line.quantity)
    return redirect("orders:cart")


def invoice_pdf_legacy(request, pk):
    """Sync view kept for the accounting export; ORM use is fine here."""
    order = Order.objects.select_related("customer").get(pk=pk)
    lines = list(order.lines.select_related("book"))
    return JsonResponse({"order": order.pk, "customer": order.customer.email, "lines": len(lines)})
