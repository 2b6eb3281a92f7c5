from django.urls import path

from . import views

urlpatterns = [
    path("ingest/", views.ingest),
    path("ingest/v2/", views.ingest_v2),
    path("ingest/legacy/", views.ingest_legacy),
    path("trips/<int:trip_id>/", views.trip_summary),
    path("trips/<int:trip_id>/fences/", views.trip_fences),
    path("trips/<int:trip_id>/fences/v2/", views.trip_fences_v2),
    path("trips/<int:trip_id>/close/", views.close_trip),
    path("trips/<int:trip_id>/recompute/", views.recompute_distance),
    path("trips/<int:pk>/detail/", views.TripDetailView.as_view()),
    path("vehicles/<str:plate>/where/", views.where_is),
    path("vehicles/<str:plate>/where/v2/", views.where_is_v2),
    path("vehicles/active/", views.active_vehicles),
    path("vehicles/active/v2/", views.active_vehicles_v2),
    path("replays/<str:name>/", views.replay),
    path("replays/<str:name>/v2/", views.replay_v2),
]
