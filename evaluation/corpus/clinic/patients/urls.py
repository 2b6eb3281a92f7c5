from django.urls import path

from . import views

urlpatterns = [
    path("search/", views.patient_search),
    path("<int:pk>/", views.patient_card),
    path("<int:pk>/legacy/", views.patient_card_legacy),
    path("<int:pk>/notes/", views.PatientNotesView.as_view()),
    path("me/appointments/", views.my_appointments),
    path("me/appointments/v2/", views.my_appointments_v2),
]
