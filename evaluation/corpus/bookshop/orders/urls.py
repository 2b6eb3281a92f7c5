from django.urls import path

from . import views

app_name = "orders"

urlpatterns = [
    path("cart/", views.cart_detail, name="cart"),
    path("cart/add/<int:book_id>/", views.add_to_cart, name="add"),
    path("checkout/", views.checkout, name="checkout"),
    path("history/", views.order_history, name="history"),
    path("<int:pk>/", views.order_status, name="status"),
    path("<int:pk>/reorder/", views.reorder, name="reorder"),
    path("<int:pk>/invoice/", views.invoice_pdf_legacy, name="invoice"),
]
