"""The app: the system checks that catch a half-configured integration, at ``manage.py check`` and at startup."""

from __future__ import annotations

import logging
from typing import Any

from django.apps import AppConfig
from django.core import checks

from .conf import MIN_INTERNAL_TOKEN_LENGTH, setting


class PdfTriggerConfig(AppConfig):
    name = "pdf_trigger"
    verbose_name = "PDF report service"
    # Fixed here so the shipped migration matches whatever DEFAULT_AUTO_FIELD the project uses.
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        checks.register(check_settings)
        # Workers and WSGI servers never run `manage.py check`: say what is wrong where their logs are read.
        log_configuration_problems()


logger = logging.getLogger("pdf_trigger")


def log_configuration_problems() -> None:
    """Each configuration problem as one log line (ERROR, or WARNING for warnings); never raises, never calls out."""
    for problem in check_settings():
        level = logging.ERROR if problem.level >= checks.ERROR else logging.WARNING
        logger.log(level, "%s: %s", problem.id, problem.msg)


def check_settings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    problems: list[checks.CheckMessage] = []
    url = setting("URL")
    if not url:
        problems.append(checks.Error("PDF_SERVICE['URL'] is not set (the PDF service's base URL)", id="pdf_trigger.E001"))
    elif not str(url).startswith(("http://", "https://")):
        problems.append(checks.Error(f"PDF_SERVICE['URL'] must be an http(s) URL, got {url!r}", id="pdf_trigger.E002"))
    token = setting("INTERNAL_TOKEN")
    if not token:
        problems.append(checks.Error("PDF_SERVICE['INTERNAL_TOKEN'] is not set (the service's PDF_SERVICE_INTERNAL_TOKEN)", id="pdf_trigger.E003"))
    elif len(str(token)) < MIN_INTERNAL_TOKEN_LENGTH:
        problems.append(checks.Error(f"PDF_SERVICE['INTERNAL_TOKEN'] must be at least {MIN_INTERNAL_TOKEN_LENGTH} characters", id="pdf_trigger.E004"))
    if not setting("TOKEN_SECRET"):
        problems.append(
            checks.Error(
                "PDF_SERVICE['TOKEN_SECRET'] is not set: the key report tokens are signed with, equal to the "
                "service's JWT_SECRET (a dedicated key such as SimpleJWT's SIGNING_KEY, not SECRET_KEY)",
                id="pdf_trigger.E005",
            )
        )
    callback_url = setting("CALLBACK_URL")
    if not callback_url:
        problems.append(
            checks.Warning(
                "PDF_SERVICE['CALLBACK_URL'] is not set: each class task polls its batch for up to POLL_TIMEOUT "
                "seconds and holds a Celery worker meanwhile; set it to the absolute URL of the batch_callback view",
                id="pdf_trigger.W002",
            )
        )
    elif not str(callback_url).startswith(("http://", "https://")):
        problems.append(
            checks.Error(f"PDF_SERVICE['CALLBACK_URL'] must be an absolute http(s) URL, got {callback_url!r}", id="pdf_trigger.E006")
        )
    if not setting("FRONTEND_ORIGIN"):
        problems.append(checks.Warning("PDF_SERVICE['FRONTEND_ORIGIN'] is not set: the service's default frontend is used", id="pdf_trigger.W001"))
    return problems
