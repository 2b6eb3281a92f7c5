from django.db import models

from jobs.models import Job


class Applicant(models.Model):
    name = models.CharField(max_length=100)
    email = models.EmailField(unique=True)
    cv_path = models.CharField(max_length=200, blank=True)

    @classmethod
    async def afrom_payload(cls, payload):
        applicant, _ = await cls.objects.aget_or_create(email=payload["email"], defaults={"name": payload.get("name", "")})
        return applicant


class Application(models.Model):
    class Stage(models.TextChoices):
        NEW = "new"
        SCREEN = "screen"
        INTERVIEW = "interview"
        OFFER = "offer"
        REJECTED = "rejected"

    applicant = models.ForeignKey(Applicant, on_delete=models.CASCADE, related_name="applications")
    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="applications")
    stage = models.CharField(max_length=10, choices=Stage.choices, default=Stage.NEW)
    score = models.IntegerField(default=0)
    created = models.DateTimeField(auto_now_add=True)
