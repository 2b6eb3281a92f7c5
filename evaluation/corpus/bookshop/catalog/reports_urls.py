from django.urls import path

from . import reports

urlpatterns = [
    path("stock/", reports.stock_report),
    path("revenue/", reports.revenue_by_book),
    path("authors/<int:pk>/", reports.author_overview),
    path("tags/", reports.tag_cloud),
    path("orders/", reports.order_pages),
    path("dashboard/", reports.dashboard),
    path("moderation/", reports.reviews_for_moderation),
    path("unsold/", reports.unsold_titles),
    path("low-rated/", reports.low_rated),
    path("top-reviewers/", reports.top_reviewers),
]
