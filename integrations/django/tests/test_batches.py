"""create_batch / batch_status against a scripted stub, and the signed callback view."""

import hashlib
import hmac
import json
import time
from contextlib import contextmanager

from django.test import RequestFactory, override_settings

from pdf_trigger import PDFTriggerService
from pdf_trigger.callbacks import batch_callback, report_pdfs_ready
from tests.stub_server import StubServer

ACCEPTED = {"success": True, "batchId": "b-1", "state": "queued", "total": 3, "statusUrl": "/internal/batches/b-1"}


def test_create_batch_posts_one_call_with_the_idempotency_key():
    with StubServer([(202, {}, ACCEPTED, 0.0)]) as stub:
        result = PDFTriggerService(base_url=stub.url).create_batch(
            "CLASS_1", "7", ["S1", "S2"], ["T1"], include_overall=True, idempotency_key="k-1",
            callback_url="https://backend.example.com/pdf-batches/callback",
        )
    assert result == {"success": True, "data": ACCEPTED}
    [sent] = stub.requests
    assert sent["path"] == "/internal/batches"
    assert sent["headers"]["Idempotency-Key"] == "k-1"
    assert sent["body"]["studentIds"] == ["S1", "S2"]
    assert sent["body"]["teacherIds"] == ["T1"]
    assert sent["body"]["includeOverall"] is True
    assert sent["body"]["callbackUrl"] == "https://backend.example.com/pdf-batches/callback"


def test_create_batch_accepts_the_same_batch_again_with_200():
    with StubServer([(200, {}, ACCEPTED, 0.0)]) as stub:
        assert PDFTriggerService(base_url=stub.url).create_batch("C", "7", ["S1"])["success"] is True


def test_create_batch_refuses_a_bad_id_before_any_request():
    with StubServer([]) as stub:
        result = PDFTriggerService(base_url=stub.url).create_batch("C", "7", ["S1", "../x"])
    assert result["success"] is False
    assert "student_ids[1]" in result["error"]
    assert stub.requests == []


@contextmanager
def signalled():
    """The payloads `report_pdfs_ready` sends while the block runs."""
    received = []

    def listener(sender, payload, **kwargs):
        received.append(payload)

    report_pdfs_ready.connect(listener)
    try:
        yield received
    finally:
        report_pdfs_ready.disconnect(listener)


def sign(secret: str, timestamp: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def callback_request(body: bytes, timestamp: str, signature: str):
    """A POST to the callback view as the service sends it."""
    return RequestFactory().post(
        "/pdf-batches/callback", data=body, content_type="application/json",
        HTTP_X_PDF_TIMESTAMP=timestamp, HTTP_X_PDF_SIGNATURE=signature,
    )


@override_settings(PDF_SERVICE_CALLBACK_SECRET="callback-secret")
def test_the_callback_view_accepts_a_good_signature_and_sends_the_signal():
    body = json.dumps({"batchId": "b-1", "state": "completed", "failures": []}).encode()
    timestamp = str(int(time.time()))
    request = callback_request(body, timestamp, sign("callback-secret", timestamp, body))
    with signalled() as received:
        answer = batch_callback(request)
    assert answer.status_code == 200
    assert received == [{"batchId": "b-1", "state": "completed", "failures": []}]


@override_settings(PDF_SERVICE_CALLBACK_SECRET="callback-secret")
def test_the_callback_view_refuses_a_bad_signature_and_a_stale_timestamp():
    body = b'{"batchId": "b-1"}'
    now = str(int(time.time()))
    stale = str(int(time.time()) - 301)
    for timestamp, signature in (
        (now, sign("another-secret", now, body)),
        (stale, sign("callback-secret", stale, body)),
        ("not-a-time", sign("callback-secret", "not-a-time", body)),
    ):
        request = callback_request(body, timestamp, signature)
        assert batch_callback(request).status_code == 401


@override_settings(PDF_SERVICE_CALLBACK_SECRET="", PDF_SERVICE_INTERNAL_TOKEN="")
def test_the_callback_view_refuses_everything_when_no_secret_is_configured():
    body = b'{"batchId": "forged"}'
    timestamp = str(int(time.time()))
    request = callback_request(body, timestamp, sign("", timestamp, body))
    with signalled() as received:
        answer = batch_callback(request)
    assert answer.status_code == 401
    assert json.loads(answer.content) == {"detail": "bad or stale signature"}
    assert received == []


@override_settings(PDF_SERVICE_CALLBACK_SECRET="callback-secret")
def test_the_callback_view_answers_401_to_a_timestamp_that_is_not_a_sane_integer():
    body = b'{"batchId": "b-1"}'
    for timestamp in ("9" * 400, "-5", "1e9", " 17"):
        request = callback_request(body, timestamp, sign("callback-secret", timestamp, body))
        answer = batch_callback(request)
        assert (timestamp[:8], answer.status_code) == (timestamp[:8], 401)


def test_purge_reports_sends_the_scope_and_answers_what_was_deleted():
    deleted = {"success": True, "deleted": 2, "scope": "reports/C1/Test_5/"}
    with StubServer([(200, {}, deleted, 0.0)]) as stub:
        result = PDFTriggerService(base_url=stub.url).purge_reports("C1", test_id=5)
    assert result == {"success": True, "data": deleted}
    [sent] = stub.requests
    assert sent["path"] == "/internal/reports"
    assert sent["body"] == {"classId": "C1", "testId": "5"}
