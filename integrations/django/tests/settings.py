"""Minimal Django settings for the tests: the values a backend project would set, plus the admin."""

import os

SECRET_KEY = "django-test-secret-key-shared-with-the-pdf-service"
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "pdf_trigger",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
ROOT_URLCONF = "tests.urls"
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
# One file shared by the test process and the Celery workers it starts (conftest.py names and migrates it).
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("PDF_TRIGGER_TEST_DB", ":memory:"),
        "OPTIONS": {"timeout": 30},
    }
}
USE_TZ = True

PDF_SERVICE_URL = os.environ.get("PDF_SERVICE_URL", "http://127.0.0.1:9")
PDF_SERVICE_INTERNAL_TOKEN = os.environ.get("PDF_SERVICE_INTERNAL_TOKEN", "test-internal-token-0123456789abcdef")
DEFAULT_FRONTEND_ORIGIN = os.environ.get("DEFAULT_FRONTEND_ORIGIN", "https://tamilnadu.inzighted.com")
PDF_SERVICE_CALLBACK_URL = os.environ.get("PDF_SERVICE_CALLBACK_URL")
PDF_SERVICE_READ_TIMEOUT = 60
# Short retry delays, so an outage test waits seconds, not the production quarter of an hour.
PDF_SERVICE_BATCH_RETRY_BACKOFF = 1
PDF_SERVICE_BATCH_RETRY_BACKOFF_MAX = 3
PDF_SERVICE_BATCH_MAX_RETRIES = 10
PDF_SERVICE_POLL_INTERVAL = 0.5

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "memory://")
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", "cache+memory://")
CELERY_TASK_ROUTES = {"pdf_trigger.tasks.*": {"queue": "pdf"}}
