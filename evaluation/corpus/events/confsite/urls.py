from django.http import HttpResponse
from django.urls import include, path


async def up(request):
    return HttpResponse("up")


urlpatterns = [
    path("up/", up),
    path("", include("conferences.urls")),
    path("tickets/", include("ticketing.urls")),
]
