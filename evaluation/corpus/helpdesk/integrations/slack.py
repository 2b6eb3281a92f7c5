import logging

import httpx
import requests
from django.conf import settings
from django.dispatch import receiver

from tickets.signals import ticket_escalated, ticket_resolved

logger = logging.getLogger(__name__)


def post_message(text):
    """Blocking variant for the management commands."""
    resp = requests.post(settings.SLACK_WEBHOOK_URL, json={"text": text}, timeout=10)
    return resp.status_code == 200


async def apost_message(text):
    async with httpx.AsyncClient(timeout=10) as client:
        resp = await client.post(settings.SLACK_WEBHOOK_URL, json={"text": text})
    return resp.status_code == 200


@receiver(ticket_escalated)
async def announce_escalation(sender, ticket, reason, **kwargs):
    await apost_message(f":rotating_light: {ticket.subject} escalated: {reason}")


@receiver(ticket_resolved)
def log_resolution(sender, ticket, **kwargs):
    logger.info("ticket %s resolved", ticket.pk)
