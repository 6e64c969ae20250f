import time

import jwt
import pytest

from pdf_trigger import PDFTriggerService
from tests.settings import SECRET_KEY
from tests.stub_server import StubServer

ACCEPTED = {"success": True, "message": "PDF generation completed", "s3Key": "reports/C/Test_5/students/S1.pdf"}


def service_for(url, sleeps=None, **kwargs):
    return PDFTriggerService(base_url=url, sleep=(sleeps.append if sleeps is not None else lambda _: None), **kwargs)


def test_success_sends_the_seed_body_with_a_report_token_and_the_service_token():
    with StubServer([(202, {}, ACCEPTED, 0.0)]) as stub:
        result = service_for(stub.url).trigger_pdf_generation("Test_5", "C", "student", student_id="S1")
    assert result == {"success": True, "data": ACCEPTED}
    [request] = stub.requests
    assert request["path"] == "/internal/trigger-generate-pdf"
    assert request["headers"]["X-Service-Auth"] == "Bearer test-internal-token-0123456789abcdef"
    body = request["body"]
    assert {key: body[key] for key in ("testId", "classId", "reportType", "studentId", "force")} == {
        "testId": "Test_5",
        "classId": "C",
        "reportType": "student",
        "studentId": "S1",
        "force": True,
    }
    assert body["origin"] == "https://tamilnadu.inzighted.com"
    assert jwt.decode(body["reportToken"], SECRET_KEY, algorithms=["HS256"])["student_id"] == "S1"


def test_503_is_retried_after_the_servers_retry_after():
    sleeps = []
    with StubServer([(503, {"Retry-After": "2"}, {"message": "busy"}, 0.0), (202, {}, ACCEPTED, 0.0)]) as stub:
        result = service_for(stub.url, sleeps).trigger_pdf_generation("Test_5", "C", "overall")
    assert result["success"] is True
    assert len(stub.requests) == 2
    assert sleeps == [2.0]


def test_503_gives_up_after_max_attempts_as_transient():
    sleeps = []
    script = [(503, {"Retry-After": "1"}, {"message": "render queue is full"}, 0.0)] * 3
    with StubServer(script) as stub:
        result = service_for(stub.url, sleeps, max_attempts=3).trigger_pdf_generation("T", "C", "overall")
    assert result == {"success": False, "error": "render queue is full", "status_code": 503, "transient": True}
    assert len(stub.requests) == 3
    assert sleeps == [1.0, 1.0]


@pytest.mark.parametrize("status", [400, 401, 403, 404])
def test_4xx_is_never_retried(status):
    with StubServer([(status, {}, {"message": "no"}, 0.0), (202, {}, ACCEPTED, 0.0)]) as stub:
        result = service_for(stub.url).trigger_pdf_generation("T", "C", "overall")
    assert result == {"success": False, "error": "no", "status_code": status, "transient": False}
    assert len(stub.requests) == 1


def test_a_failed_render_is_not_retried_here_but_marked_transient_for_celery():
    with StubServer([(502, {}, {"message": "render failed (page_error)"}, 0.0)]) as stub:
        result = service_for(stub.url).trigger_pdf_generation("T", "C", "overall")
    assert result["success"] is False and result["status_code"] == 502 and result["transient"] is True
    assert len(stub.requests) == 1


def test_the_services_retryable_verdict_decides_transient():
    final = {"message": "render failed (page_error)", "reason": "page_error", "retryable": False}
    later = {"message": "render failed (timeout)", "reason": "timeout", "retryable": True}
    with StubServer([(502, {}, final, 0.0), (502, {}, later, 0.0)]) as stub:
        first = service_for(stub.url).trigger_pdf_generation("T", "C", "overall")
        second = service_for(stub.url).trigger_pdf_generation("T", "C", "overall")
    assert (first["transient"], first["reason"]) == (False, "page_error")
    assert (second["transient"], second["reason"]) == (True, "timeout")


def test_a_503_is_handed_back_with_retry_after_when_the_caller_retries_itself():
    with StubServer([(503, {"Retry-After": "7"}, {"message": "busy", "reason": "queue_full"}, 0.0)]) as stub:
        result = service_for(stub.url, retry_busy=False).trigger_pdf_generation("T", "C", "overall")
    assert result["retry_after"] == 7.0 and result["transient"] is True
    assert len(stub.requests) == 1


def test_a_non_json_error_carries_the_status_line():
    with StubServer([(502, {"Content-Type": "text/html"}, "<html>bad gateway</html>", 0.0)]) as stub:
        result = service_for(stub.url).trigger_pdf_generation("T", "C", "overall")
    assert result["error"].startswith("502 ")


def test_int_ids_are_sent_as_text():
    with StubServer([(202, {}, ACCEPTED, 0.0)]) as stub:
        result = service_for(stub.url).trigger_pdf_generation(7, 123, "student", student_id=42)
    assert result["success"] is True
    assert {key: stub.requests[0]["body"][key] for key in ("testId", "classId", "studentId")} == {
        "testId": "7",
        "classId": "123",
        "studentId": "42",
    }


def test_connection_errors_are_retried_with_capped_exponential_backoff():
    with StubServer([]) as stub:
        dead = stub.url  # the server stops below: its port then refuses connections
    sleeps = []
    result = service_for(dead, sleeps, max_attempts=6).trigger_pdf_generation("T", "C", "overall")
    assert result["success"] is False and result["status_code"] is None and result["transient"] is True
    assert "cannot reach the PDF service" in result["error"]
    assert sleeps == [0.5, 1.0, 2.0, 4.0, 8.0]


def test_a_read_timeout_fails_fast_without_a_second_render():
    with StubServer([(202, {}, ACCEPTED, 2.0), (202, {}, ACCEPTED, 0.0)]) as stub:
        started = time.monotonic()
        result = service_for(stub.url, read_timeout=0.3).trigger_pdf_generation("T", "C", "overall")
        elapsed = time.monotonic() - started
    assert result["success"] is False and result["transient"] is True
    assert "no answer within 0.3 s" in result["error"]
    assert elapsed < 1.5
    assert len(stub.requests) == 1


@pytest.mark.parametrize(
    "args, problem",
    [
        (("Test_5", "C", "parent"), "report_type"),
        (("Test_5", "C", "student"), "student_id is required"),
        (("Test_5", "C", "teacher"), "teacher_id is required"),
        (("Test_5", "C/1", "overall"), "class_id"),
        (("Test_5", "..", "overall"), "class_id"),
        (("../5", "C", "overall"), "test_id"),
        ((" 5", "C", "overall"), "test_id"),
        (("Test_5", "C", "student", "a&b"), "student_id"),
        (("Test_5", "C", "student", "x" * 129), "student_id"),
        ((5.5, "C", "overall"), "test_id"),
    ],
)
def test_invalid_input_is_refused_before_any_request(args, problem):
    with StubServer([(202, {}, ACCEPTED, 0.0)]) as stub:
        result = service_for(stub.url).trigger_pdf_generation(*args)
    assert result["success"] is False and problem in result["error"] and result["transient"] is False
    assert stub.requests == []


def test_the_active_trace_is_sent_as_traceparent(monkeypatch):
    import sys
    import types

    propagate = types.ModuleType("opentelemetry.propagate")
    propagate.inject = lambda carrier: carrier.update(traceparent="00-" + "1" * 32 + "-" + "2" * 16 + "-01")
    package = types.ModuleType("opentelemetry")
    package.propagate = propagate
    monkeypatch.setitem(sys.modules, "opentelemetry", package)
    monkeypatch.setitem(sys.modules, "opentelemetry.propagate", propagate)
    with StubServer([(202, {}, ACCEPTED, 0.0)]) as stub:
        service_for(stub.url).trigger_pdf_generation("T", "C", "overall")
    assert stub.requests[0]["headers"]["traceparent"] == "00-" + "1" * 32 + "-" + "2" * 16 + "-01"
