from django.http import JsonResponse
from django.urls import include, path

urlpatterns = [
    path("ok/", lambda r: JsonResponse({"ok": True})),
    path("t/", include("telemetry.urls")),
]
