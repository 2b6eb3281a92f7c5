from django.urls import path

from . import views

urlpatterns = [
    path("plans/", views.plans),
    path("signup/", views.signup),
    path("<int:customer_id>/subscriptions/", views.subscription_summary),
    path("<int:customer_id>/seats/", views.change_seats),
    path("<int:customer_id>/cancel/", views.cancel),
]
