from django.urls import path

from . import views

urlpatterns = [
    path("catalogue/", views.catalogue),
    path("copies/<str:barcode>/checkout/", views.checkout),
    path("copies/<str:barcode>/return/", views.return_copy),
    path("me/loans/", views.my_loans),
    path("me/loans/v2/", views.my_loans_v2),
    path("me/fines/", views.fines),
    path("me/librarian/", views.is_librarian),
    path("me/librarian/legacy/", views.is_librarian_legacy),
    path("me/password/", views.verify_member_password),
    path("stats/", views.branch_stats),
    path("register/", views.register),
    path("register/v2/", views.register_v2),
    path("members/<str:username>/librarian/", views.make_librarian),
    path("titles/<str:isbn>/hold/", views.place_hold),
    path("titles/<str:isbn>/enrich/", views.enrich_title),
    path("titles/<str:isbn>/enrich/v2/", views.enrich_title_v2),
]
