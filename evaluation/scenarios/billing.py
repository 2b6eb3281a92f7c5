"""How the runtime check runs the billing project."""
import json
from datetime import date

from _support import fresh, login_session

SETTINGS = "billing_site.settings"
ENV = {
    "PAYMENT_GATEWAY_URL": "{http}/gateway/v1",
    "FX_RATES_URL": "{http}/fx/latest",
    "EXPORT_DIR": "{tmp}/exports",
    "INBOX_DIR": "{tmp}/inbox",
    "EMAIL_HOST": "{smtp_host}",
    "EMAIL_PORT": "{smtp_port}",
}



def slow_files():
    """Files the corpus opens, served through FIFOs that answer late (a slow network volume)."""
    from django.conf import settings

    return {
        "write": [settings.EXPORT_DIR / f"invoices-{date.today():%Y%m}.csv"],
        "read": {settings.INBOX_DIR / "statement.json": json.dumps([{"ref": "INV-000001"}, {"ref": "X"}])},
    }


def seed():
    from decimal import Decimal

    from django.conf import settings
    from django.contrib.auth.models import User

    from customers.models import Customer, Plan, Subscription
    from invoicing.models import Invoice, InvoiceLine, Payment, WebhookEvent

    settings.EXPORT_DIR.mkdir(parents=True, exist_ok=True)
    settings.INBOX_DIR.mkdir(parents=True, exist_ok=True)
    user = User.objects.create(username="ops")
    pro = Plan.objects.create(code="pro", name="Pro", monthly_price=Decimal("49.00"))
    acme = Customer.objects.create(name="ACME", email="ap@acme.example", gateway_id="cus_1")
    globex = Customer.objects.create(name="Globex", email="ap@globex.example", gateway_id="cus_2", currency="USD")
    s1 = Subscription.objects.create(customer=acme, plan=pro, seats=3)
    Subscription.objects.create(customer=globex, plan=pro)
    inv = Invoice.objects.create(number="INV-000001", customer=acme, subscription=s1,
                                 status=Invoice.Status.OPEN, amount=Decimal("147.00"))
    InvoiceLine.objects.create(invoice=inv, description="Pro x3", amount=Decimal("147.00"))
    inv2 = Invoice.objects.create(number="INV-000002", customer=globex, status=Invoice.Status.PAID,
                                  amount=Decimal("49.00"))
    Payment.objects.create(invoice=inv2, gateway_ref="ch_seed", amount=Decimal("49.00"))
    WebhookEvent.objects.create(event_id="evt_1", kind="charge.succeeded",
                                payload={"invoice": "INV-000001", "charge": "ch_hook"})
    key = login_session(user)
    return {
        "session_key": key,
        "pk": inv.pk,
        "customer_id": acme.pk,
        "subscription_id": s1.pk,
        "invoice_id": inv.pk,
        "event_id": 1,
        "invoice": fresh(lambda: Invoice.objects.get(pk=inv.pk)),
        "amount": Decimal("1.00"),
        "gateway_ref": "ch_direct",
        "customer_gateway_id": "cus_1",
        "amount_cents": 100,
        "idempotency_key": "k1",
        "charge_id": "ch_seed",
        "currency": "USD",
    }


CALLS = {
    "invoicing.views.usage_report": {"headers": {"X-Api-Key": "internal-key"}},
    "invoicing.views.refund_payment": {"kwargs": {"pk": 1}},
    "invoicing.views.GatewayWebhookView": {"methods": ["post"], "body": {"id": "evt_9", "type": "charge.failed"}},
    "invoicing.views.InvoiceDetailView": {"url_kwargs": {"pk": 1}},
    "customers.views.signup": {"method": "POST", "data": {"name": "Initech", "email": "ap@initech.example", "plan": "1"}},
    "customers.views.change_seats": {"data": {"seats": "5"}},
}
SKIP = {}
