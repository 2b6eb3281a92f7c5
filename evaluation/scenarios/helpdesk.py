"""How the runtime check runs the helpdesk project."""
import json

from _support import fresh, login_session

SETTINGS = "helpdesk.settings"
ENV = {
    "SLACK_WEBHOOK_URL": "{http}/slack/hook",
    "STATUS_PAGE_URL": "{http}/status.json",
    "EMAIL_HOST": "{smtp_host}",
    "EMAIL_PORT": "{smtp_port}",
}



def seed():
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import User

    from accounts.models import AgentProfile
    from tickets.models import Comment, Team, Ticket

    import integrations.slack  # noqa: F401  (connects the receivers, as tickets.api does)

    hashed = make_password("x")
    alice = User.objects.create(username="alice", email="alice@example.com", password=hashed, is_staff=True)
    bob = User.objects.create(username="bob", email="bob@example.com", password=hashed)
    team = Team.objects.create(name="billing", lead=bob)
    team.members.set([alice, bob])
    t1 = Ticket.objects.create(subject="Refund please", body="...", requester_email="c@example.com",
                               team=team, assignee=alice, priority=Ticket.Priority.URGENT)
    t2 = Ticket.objects.create(subject="Invoice wrong", body="...", requester_email="d@example.com",
                               team=team, assignee=bob)
    Comment.objects.create(ticket=t1, author=bob, body="looking")
    Comment.objects.create(ticket=t2, author=alice, body="dup", internal=True)
    AgentProfile.objects.create(user=alice, api_token_hash=hashed)
    key = login_session(alice)
    return {
        "session_key": key,
        "pk": t1.pk,
        "other_pk": t2.pk,
        "team_id": team.pk,
        "ticket_id": t1.pk,
        "user": fresh(lambda: User.objects.get(username="bob")),
        "ticket": fresh(lambda: Ticket.objects.get(pk=t1.pk)),
        "reason": "angry customer",
        "ticket_subject": "Refund please",
        "email": "c@example.com",
        "message": "hello",
        "text": "hello",
    }


LOGIN = {"username": "alice", "password": "x"}

CALLS = {
    "tickets.views.TicketDetailView": {"url_kwargs": {"pk": 1}},
    "tickets.views.TicketUpdateView": {"url_kwargs": {"pk": 1}},
    "tickets.views.TicketCommentView": {"url_kwargs": {"pk": 1}, "post": {"data": {"body": "thanks"}}},
    "tickets.views.TeamQueueView": {"url_kwargs": {"team": "billing"}},
    "tickets.api.add_comment": {"method": "POST", "body": {"body": "x"}},
    "tickets.api.bulk_close": {"data": {"id": ["2"]}},
    "accounts.views.api_login": {"method": "POST", "kwargs": {}, "body": LOGIN},
    "accounts.views.api_login_v2": {"method": "POST", "body": LOGIN},
    "accounts.views.register_agent": {"method": "POST", "body": {"password": "pw-123456"}},
    "accounts.views.register_agent_v2": {"method": "POST", "body": {"password": "pw-123456"}},
    "accounts.views.verify_pin": {"data": {"pin": "1234"}},
    "accounts.views.change_signature": {"method": "POST", "data": {"signature": "--"}},
}
SKIP = {}
