"""How the runtime check runs the clinic project."""
from _support import fresh, login_session

SETTINGS = "clinic_site.settings"
ENV = {
    "SMS_GATEWAY_URL": "{http}/sms/v2/messages",
    "CALENDAR_FEED_URL": "{http}/calendar/holidays.json",
}


def seed():
    from datetime import datetime, time, timedelta

    from django.contrib.auth.models import User
    from django.utils import timezone

    from patients.models import Patient
    from scheduling.models import Appointment, Practitioner

    doc_user = User.objects.create(username="dr.mori", first_name="Aiko", last_name="Mori")
    pat_user = User.objects.create(username="jonas")
    doc = Practitioner.objects.create(user=doc_user, specialty="GP")
    jonas = Patient.objects.create(first_name="Jonas", last_name="Berg", phone="+4915100000", account=pat_user)
    eva = Patient.objects.create(first_name="Eva", last_name="Berg", phone="+4915100001")
    tz = timezone.get_current_timezone()
    today = timezone.localdate()
    tomorrow = today + timedelta(days=1)
    Appointment.objects.create(practitioner=doc, patient=jonas, starts_at=datetime.combine(tomorrow, time(9), tz), notes="bp")
    Appointment.objects.create(practitioner=doc, patient=eva, starts_at=datetime.combine(tomorrow, time(10), tz))
    Appointment.objects.create(practitioner=doc, patient=eva, starts_at=datetime.combine(today, time(23, 30), tz))
    return {
        "session_key": login_session(pat_user),
        "doctor_session": login_session(doc_user),
        "practitioner_id": doc.pk,
        "pk": jonas.pk,
        "keep_id": jonas.pk,
        "drop_id": eva.pk,
        "phone": "+4915100000",
        "text": "hi",
        "starts_at": fresh(lambda: timezone.now()),
        "sender": Appointment,
        "appointment": fresh(lambda: Appointment.objects.first()),
    }


BOOKING = {"phone": "+4915199999", "name": "Neu", "starts_at": "2030-01-02T09:00:00+01:00"}
CALLS = {
    "scheduling.views.book": {"method": "POST", "body": BOOKING},
    "scheduling.views.book_v2": {"method": "POST", "body": BOOKING},
    "scheduling.views.my_schedule": {"session": "doctor_session"},
    "patients.views.PatientNotesView": {"url_kwargs": {"pk": 1}, "post": {"data": {"notes": "follow-up"}}},
}
SKIP = {}
