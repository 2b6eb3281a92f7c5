"""SMS reminders and waitlist notifications."""
import asyncio
import logging

import httpx
import requests
from asgiref.sync import async_to_sync
from django.conf import settings

log = logging.getLogger(__name__)
_sms_limit = asyncio.Semaphore(5)


def send_sms(phone, text):
    resp = requests.post(settings.SMS_GATEWAY_URL, json={"to": phone, "text": text},
                         headers={"Authorization": f"Token {settings.SMS_API_TOKEN}"}, timeout=10)
    return resp.ok


async def asend_sms(phone, text, client=None):
    async with _sms_limit:
        if client is None:
            async with httpx.AsyncClient(timeout=10) as own:
                resp = await own.post(settings.SMS_GATEWAY_URL, json={"to": phone, "text": text})
        else:
            resp = await client.post(settings.SMS_GATEWAY_URL, json={"to": phone, "text": text})
    return resp.is_success


async def anotify_waitlist(practitioner_id, starts_at):
    log.info("slot freed for %s at %s", practitioner_id, starts_at)
    return True


def notify_waitlist_sync(practitioner_id, starts_at):
    """For the sync admin action; runs in a thread when called via sync_to_async."""
    return async_to_sync(anotify_waitlist)(practitioner_id, starts_at)
