from django.urls import path

from . import views

urlpatterns = [
    path("recent/", views.recent_reactions),
    path("recent/v2/", views.recent_reactions_v2),
    path("totals/", views.reaction_totals),
    path("<slug:slug>/", views.article_reactions),
    path("<slug:slug>/react/", views.react),
]
