from django.http import JsonResponse
from django.urls import include, path

from api.router import router


async def healthz(request):
    return JsonResponse({"ok": True})


urlpatterns = [
    path("healthz/", healthz),
    path("api/", include(router.urls)),
    path("stock/", include("stock.urls")),
]
