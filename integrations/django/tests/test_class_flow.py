"""The class flow against a scripted stub: retries under one Idempotency-Key, FAILURE when the service refuses
or stays away, the callback flow returning at once, a 404 ending every wait, the command's progress, and the
batch rows as staff see them in the admin."""

from __future__ import annotations

import io
import json
import logging
import time
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError, OutputWrapper
from django.test import Client, override_settings

from pdf_trigger.errors import BatchGone, BatchRefused, PDFServiceUnavailable
from pdf_trigger.management.commands.pregenerate_reports import ProgressDisplay
from pdf_trigger.models import PdfBatch
from pdf_trigger.tasks import trigger_bulk_pdf_generation, trigger_pdf_generation
from tests.stub_server import StubServer
from tests.test_batches import sign

CALLBACK_URL = "https://backend.example.com/pdf-batches/callback"


def accepted(batch_id: str, total: int) -> dict:
    return {"success": True, "batchId": batch_id, "state": "queued", "total": total, "statusUrl": f"/internal/batches/{batch_id}"}


def status(batch_id: str, class_id: str, succeeded: int, failed: int, total: int, failures=()) -> dict:
    pending = total - succeeded - failed
    items = [{"s3Key": f"reports/{class_id}/Test_1/students/S{n}.pdf", "state": "succeeded"} for n in range(succeeded)]
    items += [{"s3Key": key, "state": "failed", "error": error} for key, error in failures]
    items += [{"s3Key": f"reports/{class_id}/Test_1/students/P{n}.pdf", "state": "pending"} for n in range(pending)]
    return {
        "batchId": batch_id, "classId": class_id, "testId": "Test_1", "total": total,
        "state": "completed" if pending == 0 else "running",
        "succeeded": succeeded, "failed": failed, "pending": pending,
        "createdAt": "2026-12-01T09:00:00.000Z", "finishedAt": "2026-12-01T09:00:09.000Z" if pending == 0 else None,
        "items": items, "callback": {"state": "none", "attempts": 0},
    }


def run_class(stub: StubServer, class_id: str, **settings):
    with override_settings(PDF_SERVICE={"URL": stub.url, **settings}):
        return trigger_bulk_pdf_generation.apply(kwargs={"test_id": "1", "class_id": class_id, "student_ids": ["S1", "S2"]})


@pytest.fixture
def few_retries(monkeypatch):
    monkeypatch.setattr(trigger_bulk_pdf_generation, "max_retries", 2)


def test_a_service_that_stays_away_is_retried_under_one_key_then_the_task_fails(few_retries, caplog):
    busy = (503, {"Retry-After": "0"}, {"message": "render queue full", "retryable": True, "reason": "queue_full"}, 0.0)
    with StubServer([busy, busy, busy]) as stub, caplog.at_level(logging.WARNING, logger="pdf_trigger.tasks"):
        outcome = run_class(stub, "CLASS_AWAY", CALLBACK_URL=CALLBACK_URL)
    assert outcome.state == "FAILURE"
    assert isinstance(outcome.result, PDFServiceUnavailable)
    keys = {request["headers"]["Idempotency-Key"] for request in stub.requests}
    assert (len(stub.requests), len(keys)) == (3, 1)
    errors = [r.getMessage() for r in caplog.records if r.name == "pdf_trigger.tasks" and r.levelno == logging.ERROR]
    assert errors == ["gave up creating the batch of class CLASS_AWAY test 1 after 3 attempts: render queue full"]
    assert not PdfBatch.objects.filter(class_id="CLASS_AWAY").exists()


def test_a_blip_is_retried_and_the_second_attempt_makes_the_batch(few_retries):
    with StubServer([(502, {}, {}, 0.0), (202, {}, accepted("b-blip", 2), 0.0)]) as stub:
        outcome = run_class(stub, "CLASS_BLIP", CALLBACK_URL=CALLBACK_URL)
    assert outcome.state == "SUCCESS", outcome.result
    assert outcome.result["batch_id"] == "b-blip"
    first, second = stub.requests
    assert first["headers"]["Idempotency-Key"] == second["headers"]["Idempotency-Key"]


def test_a_refused_batch_fails_the_task_at_once(caplog):
    refused = (400, {}, {"statusCode": 400, "message": "callbackUrl: origin https://backend.example.com is not in CALLBACK_ORIGINS", "retryable": False}, 0.0)
    with StubServer([refused]) as stub, caplog.at_level(logging.ERROR, logger="pdf_trigger.tasks"):
        outcome = run_class(stub, "CLASS_REFUSED", CALLBACK_URL=CALLBACK_URL)
    assert outcome.state == "FAILURE"
    assert isinstance(outcome.result, BatchRefused)
    assert len(stub.requests) == 1
    assert any("CALLBACK_ORIGINS" in record.getMessage() for record in caplog.records)


def test_with_a_callback_url_the_task_returns_as_soon_as_the_batch_is_queued():
    with StubServer([(202, {}, accepted("b-cb", 2), 0.0)]) as stub:
        outcome = run_class(stub, "CLASS_CB", CALLBACK_URL=CALLBACK_URL)
    assert outcome.result == {"success": True, "test_id": "1", "class_id": "CLASS_CB", "batch_id": "b-cb", "state": "queued", "total": 2}
    [created] = stub.requests  # no status poll at all
    assert created["body"]["callbackUrl"] == CALLBACK_URL
    row = PdfBatch.objects.get(batch_id="b-cb")
    assert (row.class_id, row.test_id, row.state, row.total, row.pending, row.finished_at) == ("CLASS_CB", "1", "queued", 2, 2, None)


def test_without_a_callback_url_a_404_ends_the_wait_at_once():
    with StubServer([(202, {}, accepted("b-gone", 2), 0.0), (404, {}, {"message": "no such batch"}, 0.0)]) as stub:
        started = time.monotonic()
        outcome = run_class(stub, "CLASS_GONE", POLL_INTERVAL=30)
    assert time.monotonic() - started < 10
    assert outcome.state == "FAILURE"
    assert isinstance(outcome.result, BatchGone)
    assert "REDIS_URL" in str(outcome.result)
    assert [request["method"] for request in stub.requests] == ["POST", "GET"]
    assert PdfBatch.objects.get(batch_id="b-gone").state == "gone"


def test_the_command_prints_a_progress_line_per_poll_and_names_the_failed_reports():
    failure = ("reports/CLASS_CMDP/Test_1/students/FAIL_1.pdf", "render failed (page_error)")
    script = [
        (202, {}, accepted("b-cmd", 3), 0.0),
        (200, {}, status("b-cmd", "CLASS_CMDP", 0, 0, 3), 0.0),
        (200, {}, status("b-cmd", "CLASS_CMDP", 1, 0, 3), 0.0),
        (200, {}, status("b-cmd", "CLASS_CMDP", 1, 1, 3, [failure]), 0.0),
        (200, {}, status("b-cmd", "CLASS_CMDP", 2, 1, 3, [failure]), 0.0),
    ]
    out = io.StringIO()
    with StubServer(script) as stub, override_settings(PDF_SERVICE={"URL": stub.url, "POLL_INTERVAL": 0.01}):
        with pytest.raises(CommandError, match="1 report\\(s\\) failed: reports/CLASS_CMDP/Test_1/students/FAIL_1.pdf"):
            call_command(
                "pregenerate_reports", "--class", "CLASS_CMDP", "--test", "1", "--students", "S1", "S2", "FAIL_1",
                "--callback-url", CALLBACK_URL, "--wait", "--every", "0", stdout=out,
            )
    assert out.getvalue().splitlines() == [
        f"batch b-cmd: 3 reports queued, outcome posted to {CALLBACK_URL}",
        "0/3 stored, 0 failed, 3 pending",
        "1/3 stored, 0 failed, 2 pending",
        "1/3 stored, 1 failed, 1 pending",
        "2/3 stored, 1 failed, 0 pending",
        "batch b-cmd completed: 2/3 stored, 1 failed",
        "  failed reports/CLASS_CMDP/Test_1/students/FAIL_1.pdf: render failed (page_error)",
    ]
    assert stub.requests[0]["body"]["callbackUrl"] == CALLBACK_URL
    row = PdfBatch.objects.get(batch_id="b-cmd")
    assert (row.state, row.succeeded, row.failed, row.failures) == ("completed", 2, 1, [{"s3Key": failure[0], "error": failure[1]}])


def test_the_command_ends_a_wait_on_404_with_the_reason():
    with StubServer([(202, {}, accepted("b-cmd-gone", 1), 0.0), (404, {}, {"message": "no such batch"}, 0.0)]) as stub:
        with override_settings(PDF_SERVICE={"URL": stub.url}):
            with pytest.raises(CommandError, match="batch b-cmd-gone is gone.*REDIS_URL"):
                call_command("pregenerate_reports", "--class", "C", "--test", "1", "--students", "S1", "--wait", stdout=io.StringIO())


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_the_progress_is_one_bar_redrawn_in_place():
    screen = Terminal()
    display = ProgressDisplay(OutputWrapper(screen), every=5)
    display.show(status("b", "C", 0, 0, 4))
    display.show(status("b", "C", 2, 1, 4))
    display.close()
    assert screen.getvalue() == (
        "\r[..............................] 0/4 stored, 0 failed, 4 pending"
        "\r[######################........] 2/4 stored, 1 failed, 1 pending\n"
    )


def test_off_a_terminal_lines_come_at_most_every_few_seconds():
    out, now = io.StringIO(), [0.0]
    display = ProgressDisplay(OutputWrapper(out), every=5, clock=lambda: now[0])
    for moment, succeeded in ((0.0, 0), (2.0, 1), (5.0, 2), (7.0, 3), (10.5, 4)):
        now[0] = moment
        display.show(status("b", "C", succeeded, 0, 9))
    assert out.getvalue().splitlines() == ["0/9 stored, 0 failed, 9 pending", "2/9 stored, 0 failed, 7 pending", "4/9 stored, 0 failed, 5 pending"]


def post_callback(client: Client, payload: dict, secret: str = "callback-secret"):
    body = json.dumps(payload).encode()
    timestamp = str(int(time.time()))
    return client.post(
        "/pdf-batches/callback", data=body, content_type="application/json",
        HTTP_X_PDF_TIMESTAMP=timestamp, HTTP_X_PDF_SIGNATURE=sign(secret, timestamp, body),
    )


@override_settings(PDF_SERVICE_CALLBACK_SECRET="callback-secret")
def test_a_callback_updates_the_batch_row_that_staff_see_in_the_admin():
    class_id = f"CLASS_ADMIN_{uuid.uuid4().hex[:6]}"
    PdfBatch.record({**accepted("b-admin", 3), "classId": class_id, "testId": "Test_1"})
    PdfBatch.record({**accepted("b-other", 5), "classId": "CLASS_ELSEWHERE", "testId": "Test_1"})
    client = Client()
    payload = {k: v for k, v in status("b-admin", class_id, 2, 1, 3, [("reports/x.pdf", "render failed")]).items() if k != "items"}
    payload["failures"] = [{"s3Key": "reports/x.pdf", "error": "render failed"}]
    assert post_callback(client, payload).status_code == 200
    row = PdfBatch.objects.get(batch_id="b-admin")
    assert (row.state, row.succeeded, row.failed, row.pending) == ("completed", 2, 1, 0)
    assert row.finished_at is not None and row.failures == payload["failures"]
    # A late, stale status never takes a finished row back.
    PdfBatch.record({**accepted("b-admin", 3), "classId": class_id, "testId": "Test_1"})
    assert PdfBatch.objects.get(batch_id="b-admin").state == "completed"

    staff = get_user_model().objects.create_superuser(f"staff-{uuid.uuid4().hex[:6]}", "staff@example.com", "pw")
    client.force_login(staff)
    listed = client.get("/admin/pdf_trigger/pdfbatch/", {"state__exact": "completed", "q": class_id})
    assert listed.status_code == 200
    page = listed.content.decode()
    assert class_id in page and "2/3" in page and "CLASS_ELSEWHERE" not in page
    queued = client.get("/admin/pdf_trigger/pdfbatch/", {"state__exact": "queued"}).content.decode()
    assert "CLASS_ELSEWHERE" in queued and class_id not in queued
    # Read-only: no add, no change form that saves, no delete.
    assert client.get("/admin/pdf_trigger/pdfbatch/add/").status_code == 403
    assert client.get(f"/admin/pdf_trigger/pdfbatch/{row.pk}/change/").status_code == 200
    assert client.post(f"/admin/pdf_trigger/pdfbatch/{row.pk}/change/", {"state": "queued"}).status_code == 403
    assert PdfBatch.objects.get(batch_id="b-admin").state == "completed"
    assert client.post(f"/admin/pdf_trigger/pdfbatch/{row.pk}/delete/", {"post": "yes"}).status_code == 403
    assert PdfBatch.objects.filter(batch_id="b-admin").exists()


@override_settings(PDF_SERVICE_CALLBACK_SECRET="callback-secret")
def test_a_forged_callback_changes_no_row():
    PdfBatch.record({**accepted("b-forged", 3), "classId": "CLASS_F", "testId": "Test_1"})
    payload = {k: v for k, v in status("b-forged", "CLASS_F", 3, 0, 3).items() if k != "items"}
    assert post_callback(Client(), payload, secret="not-the-secret").status_code == 401
    assert PdfBatch.objects.get(batch_id="b-forged").state == "queued"


def test_a_report_whose_token_the_service_refuses_is_said_at_error(caplog):
    refused = (400, {}, {"statusCode": 400, "message": "reportToken: invalid signature", "retryable": False, "reason": "invalid_input"}, 0.0)
    with StubServer([refused]) as stub, override_settings(PDF_SERVICE={"URL": stub.url}):
        with caplog.at_level(logging.ERROR, logger="pdf_trigger.tasks"):
            outcome = trigger_pdf_generation.apply(args=("1", "CLASS_TOK", "student"), kwargs={"student_id": "S1"})
    assert (outcome.result["success"], outcome.result["reason"], len(stub.requests)) == (False, "invalid_input", 1)
    errors = [r.getMessage() for r in caplog.records if r.name == "pdf_trigger.tasks" and r.levelno == logging.ERROR]
    assert errors == ["report S1 of class CLASS_TOK test 1 not stored: reportToken: invalid signature"]
