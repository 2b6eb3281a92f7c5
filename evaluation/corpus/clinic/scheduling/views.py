import asyncio
import json
from datetime import date, datetime, timedelta

from asgiref.sync import sync_to_async
from django.contrib.auth import alogout
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import JsonResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.views.decorators.cache import cache_page
from django.views.decorators.http import require_POST

from patients.models import Patient

from . import notifications
from .models import Appointment, Practitioner, Reminder
from .signals import appointment_booked, appointment_cancelled


def _slot_json(a):
    return {"id": a.pk, "starts_at": a.starts_at.isoformat(), "status": a.status}


@login_required
async def my_schedule(request):
    user = await request.auser()
    practitioner = await Practitioner.objects.aget(user=user)
    day = parse_date(request.GET.get("day", "")) or timezone.localdate()
    appointments = Appointment.objects.on_day(day).filter(practitioner=practitioner).select_related("patient")
    return JsonResponse({
        "day": day.isoformat(),
        "appointments": [{**_slot_json(a), "patient": a.patient.full_name} async for a in appointments],
    })


async def practitioner_day(request, practitioner_id):
    day = parse_date(request.GET.get("day", "")) or timezone.localdate()
    appointments = Appointment.objects.on_day(day).filter(practitioner_id=practitioner_id)
    rows = [{**_slot_json(a), "patient": a.patient.full_name} async for a in appointments]  # PITFALL: DJA1 patient FK loaded per row inside the async comprehension
    return JsonResponse({"appointments": rows})


async def next_free_slot(request, practitioner_id):
    practitioner = await Practitioner.objects.aget(pk=practitioner_id)
    upcoming = Appointment.objects.upcoming().filter(practitioner=practitioner)
    last = upcoming.order_by("-starts_at").first()  # PITFALL: DJA1 first() runs a query
    start = (last.starts_at if last else timezone.now()) + timedelta(minutes=practitioner.slot_minutes)
    return JsonResponse({"next": start.isoformat()})


@require_POST
async def book(request, practitioner_id):
    data = json.loads(request.body or b"{}")
    patient, _ = Patient.objects.get_or_create(phone=data.get("phone", ""), defaults={"first_name": data.get("name", "?")})  # PITFALL: DJA1 get_or_create() on the loop
    starts_at = datetime.fromisoformat(data["starts_at"])
    appointment = await Appointment.objects.acreate(practitioner_id=practitioner_id, patient=patient, starts_at=starts_at)
    appointment_booked.asend(sender=Appointment, appointment=appointment)  # PITFALL: DJA2 asend() not awaited: no receiver runs
    return JsonResponse(_slot_json(appointment), status=201)


@require_POST
async def book_v2(request, practitioner_id):
    data = json.loads(request.body or b"{}")
    patient, _ = await Patient.objects.aget_or_create(phone=data.get("phone", ""), defaults={"first_name": data.get("name", "?")})
    appointment = await Appointment.objects.acreate(
        practitioner_id=practitioner_id, patient=patient, starts_at=datetime.fromisoformat(data["starts_at"])
    )
    await appointment_booked.asend(sender=Appointment, appointment=appointment)
    return JsonResponse(_slot_json(appointment), status=201)


async def cancel(request, pk):
    appointment = await Appointment.objects.aget(pk=pk)
    appointment.status = Appointment.Status.CANCELLED
    await appointment.asave(update_fields=["status"])
    appointment_cancelled.send_robust(sender=Appointment, appointment=appointment)  # PITFALL: DJA7 send_robust() with an async receiver connected raises RuntimeError inside the loop
    return JsonResponse({"status": appointment.status})


async def cancel_v2(request, pk):
    appointment = await Appointment.objects.aget(pk=pk)
    appointment.status = Appointment.Status.CANCELLED
    await appointment.asave(update_fields=["status"])
    await appointment_cancelled.asend_robust(sender=Appointment, appointment=appointment)
    return JsonResponse({"status": appointment.status})


async def reschedule(request, pk):
    appointment = await Appointment.objects.aget(pk=pk)
    new_start = appointment.starts_at + timedelta(days=int(request.GET.get("days", 1)))
    await Appointment.objects.filter(pk=pk).aupdate(starts_at=new_start)
    appointment.arefresh_from_db()  # PITFALL: DJA2 arefresh_from_db() not awaited; the response shows the old time
    return JsonResponse(_slot_json(appointment))


async def send_reminders(request):
    tomorrow = timezone.localdate() + timedelta(days=1)
    due = Appointment.objects.on_day(tomorrow).select_related("patient")
    sent = 0
    async for appointment in due:
        if notifications.send_sms(appointment.patient.phone, "Reminder: appointment tomorrow"):  # PITFALL: DJA3 requests.post per reminder on the loop
            sent += 1
    return JsonResponse({"sent": sent})


async def send_reminders_v2(request):
    tomorrow = timezone.localdate() + timedelta(days=1)
    due = [a async for a in Appointment.objects.on_day(tomorrow).select_related("patient")]
    jobs = [notifications.asend_sms(a.patient.phone, "Reminder: appointment tomorrow") for a in due]
    results = await asyncio.gather(*jobs)
    await Reminder.objects.abulk_create([Reminder(appointment=a, sent_at=timezone.now()) for a in due])
    return JsonResponse({"sent": sum(results)})


async def day_export(request, practitioner_id):
    day = parse_date(request.GET.get("day", "")) or timezone.localdate()

    def rows():
        # a sync generator: Django consumes it in a worker thread under ASGI (no ORM error), but all at once
        yield "time,patient\n"
        for a in Appointment.objects.on_day(day).filter(practitioner_id=practitioner_id).select_related("patient"):
            yield f"{a.starts_at:%H:%M},{a.patient.full_name}\n"

    return StreamingHttpResponse(rows(), content_type="text/csv")  # PITFALL: DJA6 sync iterator from an async view: under ASGI Django buffers the whole export in a thread (it warns), nothing streams


async def week_export(request, practitioner_id):
    start = timezone.localdate()

    async def rows():
        yield "day,count\n"
        for offset in range(7):
            day = start + timedelta(days=offset)
            n = Appointment.objects.on_day(day).filter(practitioner_id=practitioner_id).count()  # PITFALL: DJA1 count() inside an async generator runs on the loop while streaming
            yield f"{day},{n}\n"

    return StreamingHttpResponse(rows(), content_type="text/csv")


@transaction.atomic  # PITFALL: DJA7 atomic() wraps the async view in a sync function: Django gets an unawaited coroutine and the body would run outside the transaction
async def merge_patients(request, keep_id, drop_id):
    await Appointment.objects.filter(patient_id=drop_id).aupdate(patient_id=keep_id)
    await Patient.objects.filter(pk=drop_id).adelete()
    return JsonResponse({"kept": keep_id})


async def merge_patients_v2(request, keep_id, drop_id):
    def _merge():
        with transaction.atomic():
            Appointment.objects.filter(patient_id=drop_id).update(patient_id=keep_id)
            Patient.objects.filter(pk=drop_id).delete()

    await sync_to_async(_merge)()
    return JsonResponse({"kept": keep_id})


async def logout_everywhere(request):
    await request.session.aflush()
    alogout(request)  # PITFALL: DJA2 alogout() not awaited
    return JsonResponse({"ok": True})


async def load_status(request):
    busy = Appointment.objects.upcoming()
    if await busy.aexists():
        practitioners = Practitioner.objects.filter(appointments__in=busy).distinct()
        return JsonResponse({"busy": [p.specialty async for p in practitioners]})
    return JsonResponse({"busy": []})


@cache_page(30)
async def specialties(request):
    return JsonResponse({"specialties": [s async for s in Practitioner.objects.values_list("specialty", flat=True).distinct()]})


async def patient_count(request):
    return patients_summary()  # PITFALL: DJA2 returns the coroutine instead of awaiting it


async def patients_summary():
    return JsonResponse({"patients": await Patient.objects.acount()})


async def waitlist_ping(request, practitioner_id):
    await sync_to_async(notifications.notify_waitlist_sync)(practitioner_id, timezone.now())
    return JsonResponse({"ok": True})
