from django.conf import settings
from django.db import models

from conferences.models import Conference


class TicketType(models.Model):
    conference = models.ForeignKey(Conference, on_delete=models.CASCADE, related_name="ticket_types")
    name = models.CharField(max_length=40)
    price_cents = models.PositiveIntegerField()
    quota = models.PositiveIntegerField()


class Purchase(models.Model):
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="purchases")
    ticket_type = models.ForeignKey(TicketType, on_delete=models.PROTECT, related_name="purchases")
    quantity = models.PositiveSmallIntegerField(default=1)
    paid = models.BooleanField(default=False)
    payment_ref = models.CharField(max_length=64, blank=True)
    created = models.DateTimeField(auto_now_add=True)


class Ticket(models.Model):
    purchase = models.ForeignKey(Purchase, on_delete=models.CASCADE, related_name="tickets")
    holder_name = models.CharField(max_length=100)
    code = models.CharField(max_length=128, unique=True)
    checked_in = models.BooleanField(default=False)
