import logging

import httpx
from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver

from .models import Article, Category
from .signals import article_published

log = logging.getLogger(__name__)


async def ping_search_engines(url):
    async with httpx.AsyncClient(timeout=5) as client:
        await client.get(settings.SEARCH_PING_URL, params={"sitemap": url})


@receiver(article_published)
def bump_category_counter(sender, article, **kwargs):
    # sync receiver; it queries
    category = Category.objects.get(pk=article.category_id)
    log.info("published in %s", category.name)


@receiver(post_save, sender=Article)
def article_saved(sender, instance, created, **kwargs):
    if instance.status == "published":
        ping_search_engines(f"/articles/{instance.slug}/")  # PITFALL: DJA2 coroutine created in a sync receiver and dropped
