from django.urls import path

from . import views

urlpatterns = [
    path("", views.open_jobs),
    path("legacy/", views.open_jobs_legacy),
    path("departments/", views.departments),
    path("sample/", views.every_other_job),
    path("newest/", views.newest_first),
    path("listing/", views.jobs_or_default),
    path("<int:pk>/", views.job_detail),
    path("<int:pk>/v2/", views.job_detail_v2),
    path("<int:pk>/toggle/", views.JobToggleView.as_view()),
]
