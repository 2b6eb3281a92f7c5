"""Ticket workflow. Sync functions are meant to be called from sync code or
through sync_to_async; the a-prefixed ones are safe to await from views."""
import asyncio
import logging
import time

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from integrations import slack
from integrations.mailer import notify_requester

from .models import Comment, EscalationLog, Ticket
from .signals import ticket_resolved

log = logging.getLogger(__name__)


def assign(ticket_id, user):
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket_id)
        ticket.assignee = user
        ticket.status = Ticket.Status.OPEN
        ticket.save(update_fields=["assignee", "status", "updated"])
    return ticket


aassign = sync_to_async(assign)


def resolve(ticket, user, note=""):
    with transaction.atomic():
        if note:
            Comment.objects.create(ticket=ticket, author=user, body=note)
        ticket.status = Ticket.Status.RESOLVED
        ticket.save(update_fields=["status", "updated"])
        transaction.on_commit(lambda: ticket_resolved.send(sender=Ticket, ticket=ticket))
    return ticket


@transaction.atomic  # PITFALL: DJA7 transaction.atomic on an async def: the wrapper is sync and enters the atomic block on the loop
async def escalate(ticket, reason):
    await EscalationLog.objects.acreate(ticket=ticket, reason=reason)
    ticket.priority = Ticket.Priority.URGENT
    await ticket.asave(update_fields=["priority", "updated"])
    return ticket


async def escalate_safely(ticket, reason):
    def _do():
        with transaction.atomic():
            EscalationLog.objects.create(ticket=ticket, reason=reason)
            Ticket.objects.filter(pk=ticket.pk).update(priority=Ticket.Priority.URGENT)

    await sync_to_async(_do)()
    await slack.apost_message(f"{ticket.subject} escalated ({reason})")


def open_count_for(user):
    return Ticket.objects.unresolved().assigned_to(user).count()


def sla_breached(ticket):
    age = timezone.now() - ticket.created
    return ticket.priority >= Ticket.Priority.HIGH and age.total_seconds() > 4 * 3600


async def notify_with_retry(ticket_subject, email, message, attempts=2):
    for attempt in range(attempts):
        try:
            await sync_to_async(notify_requester)(ticket_subject, email, message)
            return True
        except OSError:
            log.warning("mail attempt %s failed", attempt)
            await asyncio.sleep(settings.ESCALATION_RETRY_DELAY)
    return False


async def ping_status_page(attempts=2):
    """Poll the status page webhook a couple of times, spaced out."""
    healthy = 0
    for _ in range(attempts):
        if slack.post_message("status check"):  # PITFALL: DJA3 helper does a blocking requests.post
            healthy += 1
        time.sleep(settings.ESCALATION_RETRY_DELAY)  # PITFALL: DJA3 time.sleep between polls blocks the loop
    return healthy == attempts
