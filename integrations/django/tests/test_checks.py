"""`manage.py check` names what is missing or too weak."""

from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

import pytest

GOOD = {
    "URL": "http://pdf-service:8080",
    "INTERNAL_TOKEN": "x" * 40,
    "TOKEN_SECRET": "report-token-key",
    "FRONTEND_ORIGIN": "https://school.example.com",
    "CALLBACK_URL": "https://backend.example.com/pdf-batches/callback",
}


def run_check() -> str:
    try:
        call_command("check")
    except SystemCheckError as error:
        return str(error)
    return ""


@pytest.mark.parametrize(
    "override, message",
    [
        ({"URL": None}, "PDF_SERVICE['URL'] is not set"),
        ({"URL": "pdf-service:8080"}, "must be an http(s) URL"),
        ({"INTERNAL_TOKEN": None}, "PDF_SERVICE['INTERNAL_TOKEN'] is not set"),
        ({"INTERNAL_TOKEN": "short"}, "at least 32 characters"),
        ({"TOKEN_SECRET": None}, "PDF_SERVICE['TOKEN_SECRET'] is not set"),
        ({"CALLBACK_URL": "/pdf-batches/callback"}, "must be an absolute http(s) URL"),
    ],
)
def test_check_fails_naming_the_setting(override, message):
    with override_settings(
        PDF_SERVICE={**GOOD, **override},
        PDF_SERVICE_URL=None,
        PDF_SERVICE_INTERNAL_TOKEN=None,
        PDF_REPORT_TOKEN_SECRET=None,
    ):
        assert message in run_check()


def test_check_passes_with_complete_settings():
    with override_settings(PDF_SERVICE=GOOD):
        assert run_check() == ""


def test_startup_logs_each_problem_without_raising(caplog):
    from pdf_trigger.apps import log_configuration_problems

    with override_settings(
        PDF_SERVICE={**GOOD, "URL": None, "FRONTEND_ORIGIN": None, "CALLBACK_URL": None},
        PDF_SERVICE_URL=None,
        DEFAULT_FRONTEND_ORIGIN=None,
    ):
        with caplog.at_level("WARNING", logger="pdf_trigger"):
            log_configuration_problems()
    logged = [(record.levelname, record.getMessage()) for record in caplog.records if record.name == "pdf_trigger"]
    assert ("ERROR", "pdf_trigger.E001: PDF_SERVICE['URL'] is not set (the PDF service's base URL)") in logged
    assert any(level == "WARNING" and message.startswith("pdf_trigger.W001") for level, message in logged)
    assert any(level == "WARNING" and message.startswith("pdf_trigger.W002") for level, message in logged)


def test_startup_logs_nothing_with_complete_settings(caplog):
    from pdf_trigger.apps import log_configuration_problems

    with override_settings(PDF_SERVICE=GOOD):
        with caplog.at_level("WARNING", logger="pdf_trigger"):
            log_configuration_problems()
    assert [record for record in caplog.records if record.name == "pdf_trigger"] == []
