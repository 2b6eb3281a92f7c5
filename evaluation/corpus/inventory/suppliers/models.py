from django.db import models


class Supplier(models.Model):
    name = models.CharField(max_length=120)
    code = models.CharField(max_length=20, unique=True)
    lead_time_days = models.PositiveSmallIntegerField(default=7)
    contact_email = models.EmailField(blank=True)

    def __str__(self):
        return self.name
