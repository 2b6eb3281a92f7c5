"""How the runtime check runs the surveys project."""
from _support import login_session

SETTINGS = "surveys_site.settings"
ENV = {}


def seed():
    from django.contrib.auth.models import User

    from polls.models import Choice, Question, Survey

    u = User.objects.create(username="pollster")
    s = Survey.objects.create(title="Lunch", slug="lunch", published=True)
    q = Question.objects.create(survey=s, text="Pizza or pasta?")
    Choice.objects.create(question=q, label="Pizza", votes=3)
    Choice.objects.create(question=q, label="Pasta", votes=5)
    return {"session_key": login_session(u), "pk": q.pk, "slug": "lunch"}


QDATA = {"survey": "1", "text": "Dessert?", "position": "2"}
CALLS = {
    "polls.views.add_question": {"data": QDATA},
    "polls.views.add_question_v2": {"data": QDATA},
}
SKIP = {}
