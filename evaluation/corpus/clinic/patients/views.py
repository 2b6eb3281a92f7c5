from django.http import JsonResponse
from django.views import View

from scheduling.models import Appointment

from .models import Patient


async def patient_search(request):
    q = request.GET.get("q", "")
    matches = Patient.objects.filter(last_name__istartswith=q).order_by("last_name")
    if not matches.exists():  # PITFALL: DJA1 exists() on the loop
        return JsonResponse({"results": []})
    return JsonResponse({"results": [p.full_name async for p in matches[:20]]})


async def patient_card(request, pk):
    patient = await Patient.objects.select_related("account").aget(pk=pk)
    nxt = await patient.appointments.upcoming().afirst()
    return JsonResponse({
        "name": patient.full_name,
        "login": patient.account.username if patient.account else None,
        "next": nxt.starts_at.isoformat() if nxt else None,
    })


async def patient_card_legacy(request, pk):
    patient = await Patient.objects.aget(pk=pk)
    login = patient.account.username if patient.account_id else None  # PITFALL: DJA1 account O2O not selected; reading it queries
    history = list(patient.appointments.all())  # PITFALL: DJA1 list() over the related manager
    return JsonResponse({"name": patient.full_name, "login": login, "visits": len(history)})


async def my_appointments(request):
    user = await request.auser()
    patient = user.patient  # PITFALL: DJA1 reverse one-to-one access queries
    rows = [a.starts_at.isoformat() async for a in Appointment.objects.filter(patient=patient).upcoming()]
    return JsonResponse({"appointments": rows})


async def my_appointments_v2(request):
    user = await request.auser()
    patient = await Patient.objects.filter(account=user).afirst()
    if patient is None:
        return JsonResponse({"appointments": []})
    rows = [a.starts_at.isoformat() async for a in Appointment.objects.filter(patient_id=patient.pk).upcoming()]
    return JsonResponse({"appointments": rows})


class PatientNotesView(View):
    async def get(self, request, pk):
        notes = [n async for n in Appointment.objects.filter(patient_id=pk).exclude(notes="").values_list("notes", flat=True)]
        return JsonResponse({"notes": notes})

    async def post(self, request, pk):
        appointment = await Appointment.objects.filter(patient_id=pk).order_by("-starts_at").afirst()
        if appointment is None:
            return JsonResponse({"detail": "no appointment"}, status=404)
        appointment.notes = request.POST.get("notes", "")
        await appointment.asave(update_fields=["notes"])
        return JsonResponse({"ok": True})
