from django.urls import path

from . import views

urlpatterns = [
    path("q/<int:pk>/", views.question_page),
    path("q/<int:pk>/fragment/", views.question_fragment),
    path("q/<int:pk>/vote/", views.vote),
    path("q/<int:pk>/results.txt", views.results_text),
    path("q/<int:pk>/results/", views.results_json),
    path("q/new/", views.add_question),
    path("q/new/v2/", views.add_question_v2),
    path("s/<slug:slug>/start/", views.start_wizard),
    path("s/<slug:slug>/start/v2/", views.start_wizard_v2),
    path("s/<slug:slug>/export.csv", views.export_csv),
    path("s/<slug:slug>/export-buffered.csv", views.export_csv_buffered),
    path("s/<slug:slug>/publish/", views.publish),
    path("s/<slug:slug>/", views.survey_overview),
]
