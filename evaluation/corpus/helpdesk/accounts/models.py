from django.conf import settings
from django.db import models


class AgentProfile(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    signature = models.TextField(blank=True)
    api_token_hash = models.CharField(max_length=128, blank=True)
    timezone = models.CharField(max_length=40, default="UTC")
