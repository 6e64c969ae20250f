"""Minimal Django settings for the tests: the values a backend project would set."""

import os

SECRET_KEY = "django-test-secret-key-shared-with-the-pdf-service"
INSTALLED_APPS = ["django.contrib.contenttypes", "pdf_trigger"]
DATABASES = {}
USE_TZ = True

PDF_SERVICE_URL = os.environ.get("PDF_SERVICE_URL", "http://127.0.0.1:9")
PDF_SERVICE_INTERNAL_TOKEN = os.environ.get("PDF_SERVICE_INTERNAL_TOKEN", "test-internal-token-0123456789abcdef")
DEFAULT_FRONTEND_ORIGIN = os.environ.get("DEFAULT_FRONTEND_ORIGIN", "https://tamilnadu.inzighted.com")
PDF_SERVICE_READ_TIMEOUT = 60

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "memory://")
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", "cache+memory://")
CELERY_TASK_ROUTES = {"pdf_trigger.tasks.*": {"queue": "pdf"}}
