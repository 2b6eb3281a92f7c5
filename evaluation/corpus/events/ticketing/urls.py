from django.urls import path

from . import views

urlpatterns = [
    path("c/<slug:slug>/types/", views.ticket_types),
    path("types/<int:type_id>/buy/", views.buy),
    path("types/<int:type_id>/buy/v2/", views.buy_v2),
    path("types/<int:type_id>/sold-out/", views.sold_out),
    path("purchases/<int:purchase_id>/issue/", views.issue),
    path("purchases/<int:purchase_id>/receipt/", views.resend_receipt),
    path("purchases/<int:purchase_id>/receipt/v2/", views.resend_receipt_v2),
    path("purchases/<int:purchase_id>/receipt/now/", views.receipt_now),
    path("purchases/<int:purchase_id>/refund/", views.refund),
    path("purchases/<int:purchase_id>/preview/", views.preview_code),
    path("purchases/<int:purchase_id>/preview/quick/", views.quick_code),
    path("check-in/<str:code>/", views.check_in),
    path("check-in/<str:code>/v2/", views.check_in_v2),
    path("badge/<str:code>/", views.badge),
    path("badge/<str:code>/v2/", views.badge_v2),
    path("mine/", views.my_tickets),
    path("printer/ping/", views.ping_printer),
    path("c/<slug:slug>/digest/", views.organizer_digest),
]
