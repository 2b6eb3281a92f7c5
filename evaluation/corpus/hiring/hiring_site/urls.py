from django.http import JsonResponse
from django.urls import include, path

urlpatterns = [
    path("health/", lambda r: JsonResponse({"ok": True})),
    path("jobs/", include("jobs.urls")),
    path("applicants/", include("applicants.urls")),
]
