from django.urls import include, path

urlpatterns = [
    path("scheduling/", include("scheduling.urls")),
    path("patients/", include("patients.urls")),
]
