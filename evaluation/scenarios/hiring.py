"""How the runtime check runs the hiring project."""
from _support import fresh, login_session

SETTINGS = "hiring_site.settings"
ENV = {
    "BACKGROUND_CHECK_URL": "{http}/checks-api",
    "CV_STORAGE": "{tmp}/cvs",
}


def slow_files():
    from django.conf import settings

    return {"write": [settings.CV_STORAGE / "1.pdf"]}


def seed():
    from django.conf import settings
    from django.contrib.auth.models import User

    from applicants.models import Applicant, Application
    from jobs.models import Department, Job

    settings.CV_STORAGE.mkdir(parents=True, exist_ok=True)
    hr = User.objects.create(username="hr")
    eng = Department.objects.create(name="Engineering", head=hr)
    job = Job.objects.create(title="Backend dev", department=eng, salary_max=90000)
    Job.objects.create(title="SRE", department=eng)
    Job.objects.create(title="Data engineer", department=eng, open=False)
    ann = Applicant.objects.create(name="Ann", email="ann@example.com")
    ben = Applicant.objects.create(name="Ben", email="ben@example.com")
    Application.objects.create(applicant=ann, job=job, score=7)
    Application.objects.create(applicant=ben, job=job, score=9)
    return {
        "session_key": login_session(hr),
        "pk": job.pk,
        "job_id": job.pk,
        "applicant_id": ann.pk,
        "application_id": 1,
        "email": "ann@example.com",
        "payload": {"email": "new@example.com", "name": "New"},
    }


BODY = {"email": "cara@example.com", "name": "Cara"}
CALLS = {
    "applicants.views.apply": {"method": "POST", "body": BODY},
    "applicants.views.apply_v2": {"method": "POST", "body": BODY},
    "jobs.views.JobToggleView": {"url_kwargs": {"pk": 1}},
}
SKIP = {}
