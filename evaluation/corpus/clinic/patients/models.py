from django.conf import settings
from django.db import models


class Patient(models.Model):
    first_name = models.CharField(max_length=60)
    last_name = models.CharField(max_length=60)
    phone = models.CharField(max_length=20, blank=True)
    email = models.EmailField(blank=True)
    account = models.OneToOneField(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="patient")

    @property
    def full_name(self):
        return f"{self.first_name} {self.last_name}"

    def __str__(self):
        return self.full_name

    def anonymise(self):
        """GDPR erasure (called from the admin action, sync)."""
        self.first_name, self.last_name, self.phone, self.email = "erased", "", "", ""
        self.asave(update_fields=["first_name", "last_name", "phone", "email"])  # PITFALL: DJA2 asave() in a sync method is never awaited: nothing is erased
