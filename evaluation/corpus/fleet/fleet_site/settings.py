import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = os.environ.get("SECRET_KEY", "fleet")
DEBUG = os.environ.get("DJANGO_DEBUG") == "1"
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "telemetry",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "fleet_site.middleware.DeviceAuthMiddleware",
]
ROOT_URLCONF = "fleet_site.urls"
ASGI_APPLICATION = "fleet_site.asgi.application"
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.environ.get("DATABASE_PATH", str(BASE_DIR / "fleet.db"))}}
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}]
GEOCODER_URL = os.environ.get("GEOCODER_URL", "https://nominatim.openstreetmap.org")
DISPATCH_URL = os.environ.get("DISPATCH_URL", "https://dispatch.fleet.example/api")
REPLAY_DIR = Path(os.environ.get("REPLAY_DIR", BASE_DIR / "replays"))
DEVICE_TOKEN_HEADER = "X-Device-Token"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
