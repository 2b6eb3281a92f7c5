from asgiref.sync import async_to_sync
from django.db.models.signals import post_save
from django.dispatch import receiver

from .models import Review
from .services import fetch_isbn_metadata


async def warm_metadata(isbn):
    if isbn:
        await fetch_isbn_metadata(isbn)


@receiver(post_save, sender=Review)
def review_posted(sender, instance, created, **kwargs):
    if created and instance.rating <= 1:
        # low ratings get their metadata refreshed in case the listing is wrong
        async_to_sync(warm_metadata)(instance.book.isbn)
