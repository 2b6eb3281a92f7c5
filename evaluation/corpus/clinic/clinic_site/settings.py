import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = os.environ.get("SECRET_KEY", "clinic-dev")
DEBUG = os.environ.get("DJANGO_DEBUG") == "1"
ALLOWED_HOSTS = ["*"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "patients",
    "scheduling",
]

MIDDLEWARE = [
    "clinic_site.middleware.NoStoreMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "clinic_site.middleware.access_log_middleware",  # PITFALL: DJA5 explicitly sync-only middleware in an ASGI stack: every request hops to a thread and back
]

ROOT_URLCONF = "clinic_site.urls"
ASGI_APPLICATION = "clinic_site.asgi.application"
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("DATABASE_PATH", str(BASE_DIR / "clinic.sqlite3")),
    }
}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}]

SMS_GATEWAY_URL = os.environ.get("SMS_GATEWAY_URL", "https://api.sms-provider.example/v2/messages")
SMS_API_TOKEN = os.environ.get("SMS_API_TOKEN", "")
CALENDAR_FEED_URL = os.environ.get("CALENDAR_FEED_URL", "https://calendar.example/holidays.json")

USE_TZ = True
TIME_ZONE = "Europe/Berlin"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
