"""JSON endpoints for the agent SPA (async, plain Django)."""
import asyncio
import json
import logging
import urllib.request

from asgiref.sync import async_to_sync, sync_to_async
from django.conf import settings
from django.db import transaction
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_http_methods

from integrations.mailer import notify_requester
from integrations.slack import apost_message
from integrations.slack import apost_message as post_to_slack

from . import services
from .models import Comment, Team, Ticket
from .signals import ticket_escalated

logger = logging.getLogger(__name__)


def _ticket_dict(t):
    return {"id": t.pk, "subject": t.subject, "status": t.status, "priority": t.priority}


async def my_tickets(request):
    user = await request.auser()
    if not user.is_authenticated:
        return JsonResponse({"detail": "login required"}, status=401)
    qs = Ticket.objects.unresolved().assigned_to(user)
    return JsonResponse({"tickets": [_ticket_dict(t) async for t in qs]})


async def ticket_summary(request, pk):
    ticket = get_object_or_404(Ticket, pk=pk)  # PITFALL: DJA1 sync get_object_or_404 in an async view
    team = await Team.objects.aget(pk=ticket.team_id)
    return JsonResponse({**_ticket_dict(ticket), "team": team.name})


async def team_overview(request, team_id):
    team = await Team.objects.aget(pk=team_id)
    open_tickets = Ticket.objects.unresolved().filter(team=team)
    members = team.members.all()
    return JsonResponse({
        "team": team.name,
        "open": len(open_tickets),  # PITFALL: DJA1 len() evaluates the queryset
        "members": await members.acount(),
        "lead": team.lead.username if team.lead_id else None,  # PITFALL: DJA1 lead FK not loaded
    })


async def oldest_ticket(request):
    qs = Ticket.objects.unresolved().order_by("created")
    oldest = qs[0]  # PITFALL: DJA1 integer indexing runs a query
    logger.info("oldest unresolved: %s", oldest.pk)
    first = await qs.afirst()
    return JsonResponse({"id": first.pk})


@require_http_methods(["POST"])
async def add_comment(request, pk):
    user = await request.auser()
    ticket = await Ticket.objects.aget(pk=pk)
    payload = json.loads(request.body or b"{}")
    Comment.objects.acreate(ticket=ticket, author=user, body=payload.get("body", ""))  # PITFALL: DJA2 acreate() never awaited, the comment is silently lost
    ticket.status = Ticket.Status.PENDING
    await ticket.asave(update_fields=["status", "updated"])
    return JsonResponse({"ok": True}, status=201)


async def escalate_ticket(request, pk):
    ticket = await Ticket.objects.aget(pk=pk)
    reason = request.GET.get("reason", "customer waiting")
    await services.escalate(ticket, reason)
    ticket_escalated.send(sender=Ticket, ticket=ticket, reason=reason)  # PITFALL: DJA7 send() from a coroutine with an async receiver connected raises RuntimeError
    return JsonResponse({"escalated": True})


async def escalate_ticket_v2(request, pk):
    ticket = await Ticket.objects.select_related("team").aget(pk=pk)
    reason = request.GET.get("reason", "customer waiting")
    await services.escalate_safely(ticket, reason)
    await ticket_escalated.asend(sender=Ticket, ticket=ticket, reason=reason)
    return JsonResponse({"escalated": True, "team": ticket.team.name})


async def merge_tickets(request, pk, other_pk):
    async def _reassign_comments():
        await Comment.objects.filter(ticket_id=other_pk).aupdate(ticket_id=pk)

    with transaction.atomic():  # PITFALL: DJA7 atomic() enters a transaction on the event loop
        await _reassign_comments()
    await Ticket.objects.filter(pk=other_pk).aupdate(status=Ticket.Status.CLOSED)
    return JsonResponse({"merged": other_pk})


async def notify_customer(request, pk):
    ticket = await Ticket.objects.aget(pk=pk)
    notify_requester(ticket.subject, ticket.requester_email, "We are on it.")  # PITFALL: DJA3 send_mail (SMTP) on the loop
    return JsonResponse({"sent": True})


async def notify_customer_v2(request, pk):
    ticket = await Ticket.objects.aget(pk=pk)
    await sync_to_async(notify_requester)(ticket.subject, ticket.requester_email, "We are on it.")
    await services.notify_with_retry(ticket.subject, ticket.requester_email, "Still on it.")
    return JsonResponse({"sent": True})


async def broadcast(request):
    text = request.GET.get("text", "hello team")
    async_to_sync(apost_message)(text)  # PITFALL: DJA7 async_to_sync inside a running loop raises RuntimeError
    return JsonResponse({"ok": True})


async def broadcast_v2(request):
    text = request.GET.get("text", "hello team")
    post_to_slack(text)  # PITFALL: DJA2 aliased coroutine function called without await
    await asyncio.gather(post_to_slack(text), apost_message(text + " (copy)"))
    return JsonResponse({"ok": True})


async def status_banner(request):
    with urllib.request.urlopen(settings.STATUS_PAGE_URL, timeout=5) as resp:  # PITFALL: DJA3 urlopen blocks the loop
        status = json.load(resp)
    return JsonResponse({"status": status.get("status")})


async def is_busy(request):
    user = await request.auser()
    if Ticket.objects.assigned_to(user).urgent().aexists():  # PITFALL: DJA2 coroutine is always truthy and never awaited
        return JsonResponse({"busy": True})
    return JsonResponse({"busy": False})


async def stats_for_user(request):
    user = request.auser()  # PITFALL: DJA2 auser() not awaited; user is a coroutine, so staff is always False
    staff = getattr(user, "is_staff", False)
    return JsonResponse({"staff": staff})


async def bulk_close(request):
    ids = [int(i) for i in request.GET.getlist("id")]
    closed = await Ticket.objects.filter(pk__in=ids).aupdate(status=Ticket.Status.CLOSED)
    if not closed:
        raise Http404("nothing to close")
    return JsonResponse({"closed": closed})


async def requeue(request, pk):
    ticket = await Ticket.objects.aget(pk=pk)
    updated = await services.aassign(ticket.pk, None)
    return JsonResponse({"id": updated.pk, "assignee": updated.assignee_id})


async def my_open_count(request):
    user = await request.auser()
    count = await sync_to_async(services.open_count_for)(user)
    breached = services.sla_breached(await Ticket.objects.order_by("created").afirst())
    return JsonResponse({"open": count, "breached": breached})


async def health_check(request):
    ok = await services.ping_status_page()
    return JsonResponse({"ok": ok})


async def prefill_reply(request, pk):
    ticket = await Ticket.objects.aget(pk=pk)
    fetch = sync_to_async(apost_message)  # PITFALL: DJA7 sync_to_async applied to a coroutine function raises TypeError
    await fetch(f"drafting reply for {ticket.pk}")
    return JsonResponse({"ok": True})
