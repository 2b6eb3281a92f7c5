from django.http import JsonResponse
from django.urls import include, path


async def healthz(request):
    return JsonResponse({"ok": True})


urlpatterns = [
    path("healthz/", healthz),
    path("tickets/", include("tickets.urls")),
    path("accounts/", include("accounts.urls")),
]
