import os
import shlex
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = os.environ.get("SECRET_KEY", "inventory-local")
DEBUG = os.environ.get("DJANGO_DEBUG", "false").lower() in {"1", "true", "yes"}
ALLOWED_HOSTS = ["*"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "suppliers",
    "stock",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "inventory_site.middleware.ApiVersionMiddleware",
]

ROOT_URLCONF = "inventory_site.urls"
ASGI_APPLICATION = "inventory_site.asgi.application"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("DATABASE_PATH", str(BASE_DIR / "inventory.sqlite3")),
        "CONN_MAX_AGE": 0,
    }
}

TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}]

SUPPLIER_API_URL = os.environ.get("SUPPLIER_API_URL", "https://partners.acme-supply.example/api")
LABEL_PRINTER_CMD = shlex.split(os.environ.get("LABEL_PRINTER_CMD", "lp -d zebra-01"))
SMTP_RELAY = (os.environ.get("SMTP_RELAY_HOST", "relay.internal"), int(os.environ.get("SMTP_RELAY_PORT", "25")))
SUPPLIER_RATE_LIMIT_SECONDS = 0.25

USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
