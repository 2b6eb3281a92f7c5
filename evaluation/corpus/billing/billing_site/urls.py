from django.http import HttpResponse
from django.urls import include, path

urlpatterns = [
    path("healthz/", lambda request: HttpResponse("ok")),
    path("billing/", include("invoicing.urls")),
    path("customers/", include("customers.urls")),
]
