from decimal import Decimal

from django.db import models
from django.db.models import Sum

from customers.models import Customer, Subscription


class InvoiceQuerySet(models.QuerySet):
    def unpaid(self):
        return self.filter(status=Invoice.Status.OPEN)

    def for_customer(self, customer_id):
        return self.filter(customer_id=customer_id)

    def outstanding_total(self):
        return self.unpaid().aggregate(total=Sum("amount"))["total"] or Decimal("0")

    async def aoutstanding_total(self):
        agg = await self.unpaid().aaggregate(total=Sum("amount"))
        return agg["total"] or Decimal("0")


class Invoice(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft"
        OPEN = "open"
        PAID = "paid"
        VOID = "void"

    number = models.CharField(max_length=20, unique=True)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="invoices")
    subscription = models.ForeignKey(Subscription, null=True, blank=True, on_delete=models.SET_NULL)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.DRAFT)
    amount = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0"))
    issued_on = models.DateField(auto_now_add=True)

    objects = InvoiceQuerySet.as_manager()

    def __str__(self):
        return self.number

    def recalculate(self):
        self.amount = self.lines.aggregate(s=Sum("amount"))["s"] or Decimal("0")
        self.save(update_fields=["amount"])


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    description = models.CharField(max_length=200)
    amount = models.DecimalField(max_digits=10, decimal_places=2)


class Payment(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    gateway_ref = models.CharField(max_length=64, unique=True)
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    received_at = models.DateTimeField(auto_now_add=True)


class WebhookEvent(models.Model):
    event_id = models.CharField(max_length=64, unique=True)
    kind = models.CharField(max_length=40)
    payload = models.JSONField(default=dict)
    processed = models.BooleanField(default=False)
