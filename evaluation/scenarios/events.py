"""How the runtime check runs the events project."""
from _support import fresh, login_session

SETTINGS = "confsite.settings"
ENV = {
    "PAYMENTS_URL": "{http}/payments",
    "BADGE_PRINTER_URL": "{http}/flaky-printer",
    "BADGE_DIR": "{tmp}/badges",
    "EMAIL_HOST": "{smtp_host}",
    "EMAIL_PORT": "{smtp_port}",
}


def seed():
    from datetime import date, datetime, timedelta, timezone as dt_tz

    from django.contrib.auth.models import User

    from conferences.models import Conference, Talk, Venue
    from ticketing.models import Purchase, Ticket, TicketType
    from ticketing.signing import ticket_code

    alice = User.objects.create(username="alice", email="alice@example.org")
    sam = User.objects.create(username="sam", first_name="Sam", last_name="Speaker")
    hall = Venue.objects.create(name="Hall A", city="Lyon", capacity=800)
    conf = Conference.objects.create(name="PyLyon", slug="pylyon", venue=hall, starts_on=date.today() + timedelta(days=30))
    conf.organizers.set([sam])
    Talk.objects.create(conference=conf, title="Async all the way", speaker=sam, room="b1",
                        starts_at=datetime(2031, 5, 1, 9, tzinfo=dt_tz.utc))
    tt = TicketType.objects.create(conference=conf, name="Regular", price_cents=12000, quota=100)
    purchase = Purchase.objects.create(buyer=alice, ticket_type=tt, paid=True)
    code = ticket_code(purchase.pk, 0)
    Ticket.objects.create(purchase=purchase, holder_name="Alice", code=code)
    fresh_purchase = Purchase.objects.create(buyer=alice, ticket_type=tt)
    return {
        "session_key": login_session(alice),
        "slug": "pylyon",
        "pk": 1,
        "type_id": tt.pk,
        "purchase_id": purchase.pk,
        "code": code,
        "conference": fresh(lambda: Conference.objects.get(slug="pylyon")),
        "conference_id": conf.pk,
        "talk": fresh(lambda: Talk.objects.select_related("speaker").first()),
        "names": ["Bob"],
        "amount_cents": 100,
        "ref": "r1",
        "email": "alice@example.org",
        "ticket_code_value": code,
        "index": 0,
    }


CALLS = {
    "conferences.views.TalkListView": {"url_kwargs": {"slug": "pylyon"}},
    "ticketing.views.issue": {"kwargs": {"purchase_id": 2}},
    "ticketing.services.issue_tickets": {"kwargs": {"purchase_id": 2}},
    "ticketing.views.buy": {"method": "POST", "body": {"names": ["Bob"]}},
    "ticketing.views.buy_v2": {"method": "POST", "body": {"names": ["Bob"]}},
}
SKIP = {}
