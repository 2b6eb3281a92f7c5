from django.urls import path

from . import feeds, views

urlpatterns = [
    path("", views.front_page),
    path("articles/<slug:slug>/", views.article_detail),
    path("articles/<slug:slug>/json/", views.article_json),
    path("articles/<slug:slug>/json/v2/", views.article_json_v2),
    path("articles/<slug:slug>/publish/", views.publish),
    path("articles/<slug:slug>/publish/v2/", views.publish_v2),
    path("articles/<slug:slug>/comments/", views.ArticleCommentsView.as_view()),
    path("categories/<slug:slug>/", views.category_page),
    path("categories/<slug:slug>/v2/", views.category_page_v2),
    path("comments/<int:pk>/approve/", views.moderate),
    path("history/", views.reading_history),
    path("history/v2/", views.reading_history_v2),
    path("history/clear/", views.clear_history),
    path("search/", views.search),
    path("editor/", views.editor_dashboard),
    path("mine/", views.my_articles),
    path("top/", views.most_commented),
    path("top/v2/", views.most_commented_v2),
    path("trending/", views.trending),
    path("archive/<int:year>/", views.archive),
    path("sitemap.json", views.sitemap),
    path("wire/preview/", feeds.wire_preview),
    path("wire/preview/legacy/", feeds.wire_preview_legacy),
]

from . import api_v2  # noqa: E402

urlpatterns += [
    path("api/v2/articles/", api_v2.articles),
    path("api/v2/articles/<slug:slug>/", api_v2.article),
    path("api/v2/articles/<slug:slug>/stats/", api_v2.article_stats),
    path("api/v2/categories/", api_v2.categories),
    path("api/v2/categories/<slug:slug>/", api_v2.category_feed),
    path("api/v2/comments/counts/", api_v2.comment_counts),
    path("api/v2/comments/approve/", api_v2.bulk_approve),
    path("api/v2/latest/", api_v2.latest_by_category),
    path("api/v2/authors/<str:username>/", api_v2.author_articles),
    path("api/v2/cache/warm/", api_v2.warm_cache),
]
