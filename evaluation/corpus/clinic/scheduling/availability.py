"""Availability search used by the online booking widget."""
import asyncio
from datetime import datetime, time, timedelta

import httpx
from asgiref.sync import sync_to_async
from django.conf import settings
from django.http import JsonResponse
from django.utils import timezone

from .models import Appointment, Practitioner


def free_slots(taken, day, slot_minutes, tz):
    """Pure function: no I/O."""
    start = datetime.combine(day, time(8), tz)
    end = datetime.combine(day, time(18), tz)
    slots, t = [], start
    while t < end:
        if t not in taken:
            slots.append(t)
        t += timedelta(minutes=slot_minutes)
    return slots


async def holidays():
    async with httpx.AsyncClient(timeout=5) as client:
        resp = await client.get(settings.CALENDAR_FEED_URL)
    return set(resp.json().get("items", []))


async def availability(request, practitioner_id):
    practitioner = await Practitioner.objects.aget(pk=practitioner_id)
    day = timezone.localdate() + timedelta(days=int(request.GET.get("in_days", 1)))
    taken = {a async for a in Appointment.objects.on_day(day).filter(practitioner=practitioner).values_list("starts_at", flat=True)}
    closed = await holidays()
    slots = [] if day.isoformat() in closed else free_slots(taken, day, practitioner.slot_minutes, timezone.get_current_timezone())
    return JsonResponse({"day": day.isoformat(), "slots": [s.isoformat() for s in slots[:10]]})


async def week_availability(request, practitioner_id):
    practitioner = await Practitioner.objects.aget(pk=practitioner_id)
    today = timezone.localdate()
    days = [today + timedelta(days=i) for i in range(7)]
    counts = await asyncio.gather(
        *(Appointment.objects.on_day(d).filter(practitioner_id=practitioner.pk).acount() for d in days)
    )
    return JsonResponse({d.isoformat(): n for d, n in zip(days, counts)})


async def practitioners(request):
    rows = Practitioner.objects.select_related("user").order_by("specialty")
    return JsonResponse({"practitioners": [
        {"id": p.pk, "name": p.user.get_full_name(), "specialty": p.specialty} async for p in rows
    ]})


async def practitioner_label(request, practitioner_id):
    practitioner = await Practitioner.objects.select_related("user").aget(pk=practitioner_id)
    return JsonResponse({"label": str(practitioner)})


async def practitioner_label_legacy(request, practitioner_id):
    practitioner = await Practitioner.objects.aget(pk=practitioner_id)
    return JsonResponse({"label": str(practitioner)})  # PITFALL: DJA1 __str__ reads the user FK, which was not selected


async def busiest_day(request):
    def _compute():
        from django.db.models import Count
        from django.db.models.functions import TruncDate

        return list(
            Appointment.objects.annotate(day=TruncDate("starts_at")).values("day").annotate(n=Count("id")).order_by("-n")[:1]
        )

    rows = await sync_to_async(_compute)()
    return JsonResponse({"busiest": str(rows[0]["day"]) if rows else None})
