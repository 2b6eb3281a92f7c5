from django.urls import path

from . import views

urlpatterns = [
    path("jobs/<int:job_id>/apply/", views.apply),
    path("jobs/<int:job_id>/apply/v2/", views.apply_v2),
    path("jobs/<int:job_id>/pipeline/", views.pipeline),
    path("jobs/<int:job_id>/pipeline/cached/", views.pipeline_cached),
    path("jobs/<int:job_id>/reject-new/", views.bulk_reject),
    path("jobs/<int:job_id>/top/", views.top_candidates),
    path("jobs/<int:job_id>/scores/", views.scores),
    path("jobs/<int:job_id>/notify/", views.notify_all),
    path("jobs/<int:job_id>/notify/first/", views.notify_first),
    path("<int:applicant_id>/cv/", views.upload_cv),
    path("<int:applicant_id>/check/", views.run_check),
    path("<int:applicant_id>/check/script/", views.run_check_script_style),
    path("<int:applicant_id>/check/threaded/", views.run_check_threaded),
    path("applications/<int:application_id>/advance/", views.advance),
    path("applications/<int:application_id>/withdraw/", views.withdraw),
]
