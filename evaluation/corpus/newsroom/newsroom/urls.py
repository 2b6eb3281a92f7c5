from django.http import HttpResponse
from django.urls import include, path


def ping(request):
    return HttpResponse("pong")


urlpatterns = [
    path("ping/", ping),
    path("", include("news.urls")),
    path("reactions/", include("reactions.urls")),
]
