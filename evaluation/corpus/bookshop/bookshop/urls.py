from django.http import HttpResponse
from django.urls import include, path


def healthz(request):
    return HttpResponse("ok")


urlpatterns = [
    path("healthz/", healthz),
    path("", include("catalog.urls")),
    path("orders/", include("orders.urls")),
    path("reports/", include("catalog.reports_urls")),
]
