from django.urls import path

from . import views

urlpatterns = [
    path("api/login/", views.api_login),
    path("api/login/v2/", views.api_login_v2),
    path("api/register/", views.register_agent),
    path("api/register/v2/", views.register_agent_v2),
    path("api/token/", views.issue_api_token),
    path("api/token/v2/", views.issue_api_token_v2),
    path("api/pin/", views.verify_pin),
    path("api/password/reset/", views.reset_password),
    path("signature/", views.change_signature),
    path("profile/", views.profile_view),
]
