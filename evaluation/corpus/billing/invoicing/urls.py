from django.urls import path

from . import exports, views

urlpatterns = [
    path("invoices/", views.invoice_list),
    path("invoices/<int:pk>/", views.invoice_detail),
    path("invoices/<int:pk>/v2/", views.invoice_detail_v2),
    path("invoices/<int:pk>/page/", views.InvoiceDetailView.as_view()),
    path("invoices/<int:pk>/pay/", views.pay_invoice),
    path("invoices/<int:pk>/pay/v2/", views.pay_invoice_v2),
    path("invoices/<int:pk>/convert/", views.convert_amount),
    path("invoices/<int:pk>/void/", views.void_invoice),
    path("invoices/<int:pk>/lock/", views.lock_and_pay),
    path("payments/<int:pk>/refund/", views.refund_payment),
    path("subscriptions/<int:subscription_id>/invoice/", views.issue_invoice),
    path("customers/<int:customer_id>/balance/", views.customer_balance),
    path("customers/<int:customer_id>/balance/v2/", views.customer_balance_v2),
    path("usage/", views.usage_report),
    path("export.json", views.export_json),
    path("export/v2.json", views.export_json_v2),
    path("revenue/", views.raw_revenue),
    path("stream.csv", views.stream_invoices),
    path("top/", views.top_customers),
    path("credit/", views.batch_credit),
    path("forecast/", views.forecast),
    path("webhooks/gateway/", views.GatewayWebhookView.as_view()),
    path("exports/invoices/", exports.export_invoices),
    path("exports/invoices/v2/", exports.export_invoices_v2),
    path("exports/statement/", exports.import_bank_statement),
    path("exports/link/", exports.create_download_link),
    path("exports/link/v2/", exports.create_download_link_v2),
]

from . import reports  # noqa: E402

urlpatterns += [
    path("reports/mrr/", reports.mrr),
    path("reports/revenue/", reports.revenue_by_month),
    path("reports/customers/<int:customer_id>/statement/", reports.customer_statement),
    path("reports/aging/", reports.aging),
    path("reports/seats/", reports.seat_histogram),
    path("reports/next-number/", reports.next_number),
    path("reports/currencies/", reports.customers_by_currency),
    path("reports/recompute/", reports.recompute_totals),
]
