from django.urls import path

from . import views

urlpatterns = [
    path("me/", views.my_schedule),
    path("practitioners/<int:practitioner_id>/day/", views.practitioner_day),
    path("practitioners/<int:practitioner_id>/next/", views.next_free_slot),
    path("practitioners/<int:practitioner_id>/book/", views.book),
    path("practitioners/<int:practitioner_id>/book/v2/", views.book_v2),
    path("practitioners/<int:practitioner_id>/day.csv", views.day_export),
    path("practitioners/<int:practitioner_id>/week.csv", views.week_export),
    path("practitioners/<int:practitioner_id>/waitlist/", views.waitlist_ping),
    path("appointments/<int:pk>/cancel/", views.cancel),
    path("appointments/<int:pk>/cancel/v2/", views.cancel_v2),
    path("appointments/<int:pk>/reschedule/", views.reschedule),
    path("reminders/", views.send_reminders),
    path("reminders/v2/", views.send_reminders_v2),
    path("patients/<int:keep_id>/merge/<int:drop_id>/", views.merge_patients),
    path("patients/<int:keep_id>/merge/<int:drop_id>/v2/", views.merge_patients_v2),
    path("logout/", views.logout_everywhere),
    path("load/", views.load_status),
    path("specialties/", views.specialties),
    path("patients/count/", views.patient_count),
]

from . import availability  # noqa: E402

urlpatterns += [
    path("practitioners/", availability.practitioners),
    path("practitioners/<int:practitioner_id>/availability/", availability.availability),
    path("practitioners/<int:practitioner_id>/week/", availability.week_availability),
    path("practitioners/<int:practitioner_id>/label/", availability.practitioner_label),
    path("practitioners/<int:practitioner_id>/label/legacy/", availability.practitioner_label_legacy),
    path("busiest/", availability.busiest_day),
]
