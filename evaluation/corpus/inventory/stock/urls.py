from django.urls import path

from . import views

urlpatterns = [
    path("products/<str:sku>/", views.ProductStockView.as_view()),
    path("map/", views.WarehouseMapView.as_view()),
    path("warehouses/<str:code>/", views.AuditedStockView.as_view()),
]
