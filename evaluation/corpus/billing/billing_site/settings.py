"""billing_site settings. Deployed with `gunicorn -k uvicorn.workers.UvicornWorker billing_site.asgi`."""
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = os.environ.get("SECRET_KEY", "billing-dev")
DEBUG = bool(int(os.environ.get("DJANGO_DEBUG", "0")))
ALLOWED_HOSTS = ["*"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "customers",
    "invoicing",
]

MIDDLEWARE = [
    "billing_site.middleware.tenant_middleware",  # PITFALL: DJA5 undecorated function middleware is sync-only and forces a thread hop for every async request
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "billing_site.middleware.CurrencyMiddleware",
]

ROOT_URLCONF = "billing_site.urls"
ASGI_APPLICATION = "billing_site.asgi.application"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("DATABASE_PATH", str(BASE_DIR / "billing.db")),
    }
}

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
    }
]

PAYMENT_GATEWAY_URL = os.environ.get("PAYMENT_GATEWAY_URL", "https://api.payments.example/v1")
PAYMENT_GATEWAY_KEY = os.environ.get("PAYMENT_GATEWAY_KEY", "sk_test_123")
FX_RATES_URL = os.environ.get("FX_RATES_URL", "https://fx.example/latest")
EXPORT_DIR = Path(os.environ.get("EXPORT_DIR", BASE_DIR / "exports"))
INBOX_DIR = Path(os.environ.get("INBOX_DIR", BASE_DIR / "inbox"))
EMAIL_HOST = os.environ.get("EMAIL_HOST", "email-smtp.eu-west-1.amazonaws.com")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
BILLING_API_KEY = os.environ.get("BILLING_API_KEY", "internal-key")

PASSWORD_HASHERS = [
    "customers.hashers.BillingPBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]

USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
