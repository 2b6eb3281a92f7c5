from django.urls import path

from . import api, views

app_name = "catalog"

urlpatterns = [
    path("", views.book_list, name="book-list"),
    path("books/<slug:slug>/", views.book_detail, name="book-detail"),
    path("books/<slug:slug>/review/", views.add_review, name="add-review"),
    path("authors/<int:pk>/", views.author_page, name="author"),
    path("search/", views.search, name="search"),
    path("staff/", views.staff_dashboard, name="staff"),
    path("api/books/<int:pk>/stock/", api.book_stock),
    path("api/tags/", api.tag_list),
    path("api/tags/v2/", api.tag_list_v2),
    path("api/publishers/<int:pk>/books/", api.publisher_books),
    path("api/bestsellers/", api.bestsellers_api),
    path("api/isbn/<str:isbn>/", api.isbn_preview),
    path("api/isbn/<str:isbn>/v2/", api.isbn_preview_v2),
    path("api/books/<int:pk>/restock/", api.restock_book),
    path("api/books/<int:pk>/", api.book_json),
]
