from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from patients.models import Patient


class Practitioner(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    specialty = models.CharField(max_length=60)
    slot_minutes = models.PositiveSmallIntegerField(default=20)

    def __str__(self):
        return f"{self.user.get_full_name()} ({self.specialty})"


class AppointmentQuerySet(models.QuerySet):
    def upcoming(self):
        return self.filter(starts_at__gte=timezone.now(), status=Appointment.Status.BOOKED)

    def on_day(self, day):
        return self.filter(starts_at__date=day)


class Appointment(models.Model):
    class Status(models.TextChoices):
        BOOKED = "booked"
        CANCELLED = "cancelled"
        DONE = "done"

    practitioner = models.ForeignKey(Practitioner, on_delete=models.CASCADE, related_name="appointments")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="appointments")
    starts_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.BOOKED)
    notes = models.TextField(blank=True)

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at"]

    @property
    def ends_at(self):
        return self.starts_at + timedelta(minutes=20)


class Reminder(models.Model):
    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="reminders")
    sent_at = models.DateTimeField(null=True, blank=True)
    channel = models.CharField(max_length=10, default="sms")
