from django.conf import settings
from django.db import models


class Venue(models.Model):
    name = models.CharField(max_length=100)
    city = models.CharField(max_length=60)
    capacity = models.PositiveIntegerField()


class ConferenceQuerySet(models.QuerySet):
    def upcoming(self):
        from django.utils import timezone

        return self.filter(starts_on__gte=timezone.localdate())

    async def anext_up(self):
        return await self.upcoming().order_by("starts_on").afirst()


class Conference(models.Model):
    name = models.CharField(max_length=120)
    slug = models.SlugField(unique=True)
    venue = models.ForeignKey(Venue, on_delete=models.PROTECT, related_name="conferences")
    starts_on = models.DateField()
    organizers = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="organized", blank=True)

    objects = ConferenceQuerySet.as_manager()

    def __str__(self):
        return self.name


class Talk(models.Model):
    conference = models.ForeignKey(Conference, on_delete=models.CASCADE, related_name="talks")
    title = models.CharField(max_length=200)
    speaker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="talks")
    starts_at = models.DateTimeField()
    room = models.CharField(max_length=30, blank=True)
    abstract = models.TextField(blank=True)

    class Meta:
        ordering = ["starts_at"]

    async def asave(self, *args, **kwargs):
        self.room = self.room.upper()
        super().asave(*args, **kwargs)  # PITFALL: DJA2 the overridden asave() drops the parent coroutine: nothing is saved
