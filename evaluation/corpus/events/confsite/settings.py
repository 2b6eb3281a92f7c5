import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = os.environ.get("SECRET_KEY", "confsite")
DEBUG = os.environ.get("DJANGO_DEBUG", "") == "1"
ALLOWED_HOSTS = ["*"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "conferences",
    "ticketing",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "confsite.middleware.LocaleCookieMiddleware",  # PITFALL: DJA5 declares itself sync-only (async_capable = False): Django adapts the async handler below it
    "confsite.middleware.SlowRequestLogMiddleware",
]

ROOT_URLCONF = "confsite.urls"
ASGI_APPLICATION = "confsite.asgi.application"
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("DATABASE_PATH", str(BASE_DIR / "events.sqlite3")),
    }
}
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}]

PAYMENTS_URL = os.environ.get("PAYMENTS_URL", "https://pay.example.org/api")
BADGE_PRINTER_URL = os.environ.get("BADGE_PRINTER_URL", "http://badges.venue.lan:8080")
TICKET_SIGNING_SALT = "tickets-v1"
TICKET_SIGNING_ROUNDS = 3_000_000
BADGE_DIR = Path(os.environ.get("BADGE_DIR", BASE_DIR / "badges"))
EMAIL_HOST = os.environ.get("EMAIL_HOST", "smtp.postmarkapp.com")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))

USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
