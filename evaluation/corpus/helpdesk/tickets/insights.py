"""Team insights for the agent dashboard (all async)."""
import asyncio
from datetime import timedelta

from asgiref.sync import sync_to_async
from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.http import JsonResponse
from django.utils import timezone

from .forms import TicketForm
from .models import Comment, Team, Ticket

User = get_user_model()


async def workload(request):
    rows = Ticket.objects.unresolved().values("assignee__username").annotate(n=Count("id")).order_by("-n")
    return JsonResponse({"workload": [r async for r in rows]})


async def team_members(request, team_id):
    team = await Team.objects.select_related("lead").aget(pk=team_id)
    members = [u.username async for u in team.members.order_by("username")]
    return JsonResponse({"team": team.name, "lead": team.lead.username if team.lead else None, "members": members})


async def add_member(request, team_id):
    team = await Team.objects.aget(pk=team_id)
    user = await User.objects.aget(username=request.GET.get("username", "bob"))
    await team.members.aadd(user)
    return JsonResponse({"members": await team.members.acount()})


async def stale_tickets(request):
    cutoff = timezone.now() - timedelta(days=int(request.GET.get("days", 0)))
    stale = Ticket.objects.unresolved().filter(updated__lte=cutoff).select_related("team", "assignee")
    payload = [
        {"id": t.pk, "team": t.team.name, "assignee": t.assignee.username if t.assignee_id else None}
        async for t in stale
    ]
    return JsonResponse({"stale": payload})


async def validate_ticket(request):
    form = TicketForm(request.GET or {"subject": "x", "body": "y", "requester_email": "a@b.c", "team": "1", "priority": "2"})
    valid = await sync_to_async(form.is_valid)()
    return JsonResponse({"valid": valid, "errors": form.errors if not valid else {}})


async def comment_stats(request):
    public, internal = await asyncio.gather(
        Comment.objects.filter(internal=False).acount(),
        Comment.objects.filter(internal=True).acount(),
    )
    by_ticket = await Ticket.objects.aaggregate(with_comments=Count("id", filter=Q(comments__isnull=False)))
    return JsonResponse({"public": public, "internal": internal, **by_ticket})


async def reopen(request, pk):
    ticket, created = await Ticket.objects.aupdate_or_create(pk=pk, defaults={"status": Ticket.Status.OPEN})
    return JsonResponse({"id": ticket.pk, "created": created})


async def urgent_count(request):
    urgent = Ticket.objects.urgent()
    count = await urgent.acount()
    first = urgent.order_by("created").first()  # PITFALL: DJA1 first() on the loop
    return JsonResponse({"urgent": count, "oldest": first.pk if first else None})


async def team_names(request):
    names = Team.objects.values_list("name", flat=True)
    return JsonResponse({"teams": ", ".join(names)})  # PITFALL: DJA1 str.join iterates the queryset
