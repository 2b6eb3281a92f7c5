from decimal import Decimal

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from catalog.models import Book


class OrderQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status=Order.Status.OPEN)

    def for_user(self, user):
        return self.filter(customer=user)


class OrderManager(models.Manager.from_queryset(OrderQuerySet)):
    def create_for_cart(self, user, cart):
        """cart: {book_id (str): quantity}"""
        books = Book.objects.in_bulk([int(pk) for pk in cart])
        with transaction.atomic():
            order = self.create(customer=user)
            lines = [
                OrderLine(order=order, book=books[int(pk)], quantity=qty, unit_price=books[int(pk)].price)
                for pk, qty in cart.items()
                if int(pk) in books
            ]
            OrderLine.objects.bulk_create(lines)
            order.total = sum((l.unit_price * l.quantity for l in lines), Decimal("0"))
            order.save(update_fields=["total"])
        return order


class Order(models.Model):
    class Status(models.TextChoices):
        OPEN = "open"
        PAID = "paid"
        SHIPPED = "shipped"
        CANCELLED = "cancelled"

    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    total = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0"))
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    objects = OrderManager()

    def __str__(self):
        return f"Order #{self.pk}"

    def mark_paid(self):
        self.status = self.Status.PAID
        self.paid_at = timezone.now()
        self.save(update_fields=["status", "paid_at"])


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    book = models.ForeignKey(Book, on_delete=models.PROTECT, related_name="order_lines")
    quantity = models.PositiveIntegerField(default=1)
    unit_price = models.DecimalField(max_digits=8, decimal_places=2)
