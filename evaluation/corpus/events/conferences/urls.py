from django.urls import path

from . import views

urlpatterns = [
    path("c/<slug:slug>/", views.conference_home),
    path("c/<slug:slug>/schedule/", views.conference_schedule),
    path("c/<slug:slug>/info/", views.conference_info),
    path("c/<slug:slug>/export/", views.conference_export),
    path("c/<slug:slug>/rooms/", views.rooms),
    path("c/<slug:slug>/rooms/v2/", views.rooms_v2),
    path("c/<slug:slug>/organizer/", views.is_organizer),
    path("c/<slug:slug>/organizer/v2/", views.is_organizer_v2),
    path("c/<slug:slug>/organizers/add/", views.add_organizer),
    path("c/<slug:slug>/organizers/add/v2/", views.add_organizer_v2),
    path("c/<slug:slug>/can-edit/", views.can_edit),
    path("c/<slug:slug>/can-edit/v2/", views.can_edit_v2),
    path("c/<slug:slug>/talks/", views.TalkListView.as_view()),
    path("next/", views.next_conference),
    path("talks/<int:pk>/", views.talk_detail),
    path("venues/", views.venues),
    path("organizer/", views.OrganizerDashboard.as_view()),
]
