from django.conf import settings
from django.db import models


class Department(models.Model):
    name = models.CharField(max_length=80)
    head = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)

    def __str__(self):
        return self.name


class Job(models.Model):
    title = models.CharField(max_length=120)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="jobs")
    open = models.BooleanField(default=True)
    salary_max = models.PositiveIntegerField(null=True, blank=True)
    description = models.TextField(blank=True)

    def __str__(self):
        return f"{self.title} ({self.department})"

    @property
    def applicant_count(self):
        return self.applications.count()
