from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string


def send_order_confirmation(order):
    lines = order.lines.select_related("book")
    body = render_to_string("orders/confirmation.txt", {"order": order, "lines": lines})
    send_mail(
        f"Your order #{order.pk}",
        body,
        settings.DEFAULT_FROM_EMAIL,
        [order.customer.email],
    )


def send_shipping_notice(email, order_id):
    send_mail(
        f"Order #{order_id} has shipped",
        "Your books are on their way.",
        settings.DEFAULT_FROM_EMAIL,
        [email],
    )
