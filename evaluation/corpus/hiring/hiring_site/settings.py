import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = os.getenv("SECRET_KEY", "hiring-dev")
DEBUG = os.getenv("DJANGO_DEBUG", "0") == "1"
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "jobs",
    "applicants",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "hiring_site.middleware.ContentLanguageMiddleware",
]
ROOT_URLCONF = "hiring_site.urls"
ASGI_APPLICATION = "hiring_site.asgi.application"
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.getenv("DATABASE_PATH", str(BASE_DIR / "hiring.db"))}}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}]
BACKGROUND_CHECK_URL = os.getenv("BACKGROUND_CHECK_URL", "https://api.checkr.example/v1")
CV_STORAGE = Path(os.getenv("CV_STORAGE", BASE_DIR / "cvs"))
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
