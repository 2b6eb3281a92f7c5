from django.urls import path

from . import api, views

urlpatterns = [
    path("", views.TicketListView.as_view(), name="ticket-list"),
    path("<int:pk>/", views.TicketDetailView.as_view(), name="ticket-detail"),
    path("<int:pk>/comments/", views.TicketCommentView.as_view()),
    path("teams/", views.TeamDashboardView.as_view()),
    path("teams/<str:team>/queue/", views.TeamQueueView.as_view()),
    path("mine/", views.MyQueueView.as_view()),
    path("stats/", views.QueueStatsView.as_view()),
    path("stats/legacy/", views.LegacyStatsView.as_view()),
    path("api/mine/", api.my_tickets),
    path("api/<int:pk>/", api.ticket_summary),
    path("api/<int:pk>/comment/", api.add_comment),
    path("api/<int:pk>/escalate/", api.escalate_ticket),
    path("api/<int:pk>/escalate/v2/", api.escalate_ticket_v2),
    path("api/<int:pk>/merge/<int:other_pk>/", api.merge_tickets),
    path("api/<int:pk>/notify/", api.notify_customer),
    path("api/<int:pk>/notify/v2/", api.notify_customer_v2),
    path("api/<int:pk>/requeue/", api.requeue),
    path("api/<int:pk>/prefill/", api.prefill_reply),
    path("api/teams/<int:team_id>/", api.team_overview),
    path("api/oldest/", api.oldest_ticket),
    path("api/broadcast/", api.broadcast),
    path("api/broadcast/v2/", api.broadcast_v2),
    path("api/status/", api.status_banner),
    path("api/busy/", api.is_busy),
    path("api/me/", api.stats_for_user),
    path("api/bulk-close/", api.bulk_close),
    path("api/open-count/", api.my_open_count),
    path("api/health/", api.health_check),
]

from . import insights  # noqa: E402

urlpatterns += [
    path("insights/workload/", insights.workload),
    path("insights/teams/<int:team_id>/", insights.team_members),
    path("insights/teams/<int:team_id>/add/", insights.add_member),
    path("insights/stale/", insights.stale_tickets),
    path("insights/validate/", insights.validate_ticket),
    path("insights/comments/", insights.comment_stats),
    path("insights/<int:pk>/reopen/", insights.reopen),
    path("insights/urgent/", insights.urgent_count),
    path("insights/team-names/", insights.team_names),
]
