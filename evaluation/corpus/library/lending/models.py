from django.conf import settings
from django.db import models
from django.utils import timezone


class Title(models.Model):
    isbn = models.CharField(max_length=13, unique=True)
    name = models.CharField(max_length=200)
    author = models.CharField(max_length=120)


class Copy(models.Model):
    title = models.ForeignKey(Title, on_delete=models.CASCADE, related_name="copies")
    barcode = models.CharField(max_length=20, unique=True)
    branch = models.CharField(max_length=40)


class Loan(models.Model):
    copy = models.ForeignKey(Copy, on_delete=models.PROTECT, related_name="loans")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="loans")
    due = models.DateField()
    returned = models.DateField(null=True, blank=True)

    @property
    def overdue_days(self):
        end = self.returned or timezone.localdate()
        return max(0, (end - self.due).days)


class Hold(models.Model):
    title = models.ForeignKey(Title, on_delete=models.CASCADE, related_name="holds")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="holds")
    placed = models.DateTimeField(auto_now_add=True)
