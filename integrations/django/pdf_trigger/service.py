"""PDFTriggerService: the seed's interface to POST /internal/trigger-generate-pdf, made safe and fast."""

from __future__ import annotations

import logging
import re
import time
from enum import Enum
from typing import Any, Callable

import requests
from django.core.exceptions import ImproperlyConfigured

from .conf import setting
from .tokens import mint_report_token

logger = logging.getLogger(__name__)

# Same rules as the service's keys: validated here so bad input never costs a request.
_ID = re.compile(r"^[A-Za-z0-9_\-.@]{1,128}$")
_TEST_ID = re.compile(r"^[A-Za-z0-9_\-.@]([A-Za-z0-9_\-.@ ]{0,126}[A-Za-z0-9_\-.@])?$")

CONNECT_TIMEOUT_SECONDS = 3.05
# One render: the service's RENDER_TIMEOUT_MS (60 s) plus time waiting in its queue.
DEFAULT_READ_TIMEOUT_SECONDS = 90.0
MAX_ATTEMPTS = 5
BACKOFF_BASE_SECONDS = 0.5
BACKOFF_CAP_SECONDS = 8.0
RETRY_AFTER_CAP_SECONDS = 60.0


class ReportType(str, Enum):
    STUDENT = "student"
    TEACHER = "teacher"
    OVERALL = "overall"


class PDFTriggerService:
    """Asks the PDF service to render and store one report; answers the seed's result dict.

    Success: ``{"success": True, "data": {..., "s3Key": ...}}``. Failure: ``{"success": False, "error": ...,
    "status_code": n | None, "transient": bool, "reason": ...}``; ``transient`` is the service's own
    ``retryable`` verdict (a page error or a page 4xx is final; a timeout, a crashed browser, busy or
    unreachable storage are not). Connection errors are retried here with capped exponential backoff, a 503
    after the server's Retry-After (unless ``retry_busy=False``: then ``retry_after`` is in the answer, for a
    Celery retry); a read timeout is not retried here (the render may still finish: ``timed_out``).
    """

    def __init__(
        self,
        *,
        base_url: str | None = None,
        internal_token: str | None = None,
        default_origin: str | None = None,
        read_timeout: float | None = None,
        max_attempts: int = MAX_ATTEMPTS,
        retry_busy: bool = True,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        url = base_url or setting("URL")
        token = internal_token or setting("INTERNAL_TOKEN")
        if not url or not token:
            missing = "URL" if not url else "INTERNAL_TOKEN"
            raise ImproperlyConfigured(f"PDF_SERVICE['{missing}'] is not set (see `manage.py check`)")
        self.base_url = str(url).rstrip("/")
        self.internal_token = str(token)
        self.default_origin = default_origin or setting("FRONTEND_ORIGIN")
        self.read_timeout = float(read_timeout if read_timeout is not None else setting("READ_TIMEOUT"))
        self.max_attempts = max_attempts
        self.retry_busy = retry_busy
        self.session = session or requests.Session()
        self.sleep = sleep

    def trigger_pdf_generation(
        self,
        test_id: str,
        class_id: str,
        report_type: str,
        student_id: str | None = None,
        teacher_id: str | None = None,
        origin: str | None = None,
        force: bool = True,
    ) -> dict[str, Any]:
        test_id, class_id, student_id, teacher_id = _ids(test_id, class_id, student_id, teacher_id)
        problem = _invalid_input(test_id, class_id, report_type, student_id, teacher_id)
        if problem:
            return {"success": False, "error": f"invalid input: {problem}", "status_code": None, "transient": False}
        body: dict[str, Any] = {
            "testId": test_id,
            "classId": class_id,
            "reportType": report_type,
            "reportToken": mint_report_token(
                class_id=class_id,
                test_id=test_id,
                report_type=report_type,
                student_id=student_id,
                teacher_id=teacher_id,
            ),
            "force": force,
        }
        if student_id is not None:
            body["studentId"] = student_id
        if teacher_id is not None:
            body["teacherId"] = teacher_id
        if origin or self.default_origin:
            body["origin"] = origin or self.default_origin
        return self._post(body)

    def create_batch(
        self,
        class_id: str,
        test_id: str,
        student_ids: list[str] | tuple[str, ...],
        teacher_ids: list[str] | tuple[str, ...] = (),
        include_overall: bool = False,
        callback_url: str | None = None,
        idempotency_key: str | None = None,
        origin: str | None = None,
        force: bool = True,
    ) -> dict[str, Any]:
        """Queues every report of a class in one call (POST /internal/batches); answers at once.

        Success: ``{"success": True, "data": {"batchId", "state", "total", "statusUrl"}}``; the same
        ``idempotency_key`` and body again answers the same batch (safe to retry). Failures as for triggers.
        """
        test_id, class_id = _ids(test_id, class_id)
        student_ids = [str(student_id) for student_id in student_ids]
        teacher_ids = [str(teacher_id) for teacher_id in teacher_ids]
        for index, student_id in enumerate(student_ids):
            problem = _invalid_input(test_id, class_id, "student", student_id, None)
            if problem:
                return _failure(f"invalid input: student_ids[{index}]: {problem}", None, transient=False)
        for index, teacher_id in enumerate(teacher_ids):
            problem = _invalid_input(test_id, class_id, "teacher", None, teacher_id)
            if problem:
                return _failure(f"invalid input: teacher_ids[{index}]: {problem}", None, transient=False)
        problem = _invalid_input(test_id, class_id, "overall", None, None)
        if problem:
            return _failure(f"invalid input: {problem}", None, transient=False)
        body: dict[str, Any] = {
            "classId": class_id,
            "testId": test_id,
            "studentIds": list(student_ids),
            "teacherIds": list(teacher_ids),
            "includeOverall": include_overall,
            "force": force,
        }
        if callback_url:
            body["callbackUrl"] = callback_url
        if origin or self.default_origin:
            body["origin"] = origin or self.default_origin
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        return self._post(body, path="/internal/batches", accepted=(200, 202), extra_headers=headers)

    def purge_reports(
        self,
        class_id: str,
        test_id: str | None = None,
        report_type: str | None = None,
        student_id: str | None = None,
        teacher_id: str | None = None,
    ) -> dict[str, Any]:
        """Deletes stored PDFs (DELETE /internal/reports) when their data changed or was deleted.

        One report (``report_type`` and its id), one test of a class (``test_id``), or the whole class. A render
        of a purged report that is still running is not written back. Success:
        ``{"success": True, "data": {"deleted": n, "scope": "reports/..."}}``.
        """
        body: dict[str, Any] = {"classId": str(class_id)}
        for name, value in (("testId", test_id), ("reportType", report_type), ("studentId", student_id), ("teacherId", teacher_id)):
            if value is not None:
                body[name] = str(value)
        try:
            answer = self.session.delete(
                f"{self.base_url}/internal/reports",
                json=body,
                headers={"X-Service-Auth": f"Bearer {self.internal_token}"},
                timeout=(CONNECT_TIMEOUT_SECONDS, 60),
            )
        except requests.RequestException as error:
            return _failure(f"cannot reach the PDF service: {error}", None, transient=True)
        if answer.status_code == 200:
            return {"success": True, "data": answer.json()}
        verdict = _verdict_of(answer)
        return _failure(
            _message_of(answer),
            answer.status_code,
            transient=bool(verdict.get("retryable", answer.status_code >= 500)),
            reason=verdict.get("reason"),
        )

    def batch_status(self, batch_id: str) -> dict[str, Any]:
        """GET /internal/batches/<id>: ``{"success": True, "data": {state, total, succeeded, failed, ...}}``."""
        try:
            answer = self.session.get(
                f"{self.base_url}/internal/batches/{batch_id}",
                headers={"X-Service-Auth": f"Bearer {self.internal_token}"},
                timeout=(CONNECT_TIMEOUT_SECONDS, 30),
            )
        except requests.RequestException as error:
            return _failure(f"cannot reach the PDF service: {error}", None, transient=True)
        if answer.status_code == 200:
            return {"success": True, "data": answer.json()}
        return _failure(_message_of(answer), answer.status_code, transient=answer.status_code >= 500)

    def _post(
        self,
        body: dict[str, Any],
        *,
        path: str = "/internal/trigger-generate-pdf",
        accepted: tuple[int, ...] = (202,),
        extra_headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        url = f"{self.base_url}{path}"
        headers = {"X-Service-Auth": f"Bearer {self.internal_token}", **_trace_headers(), **(extra_headers or {})}
        last_error, last_status = "no attempt made", None
        for attempt in range(1, self.max_attempts + 1):
            try:
                answer = self.session.post(
                    url, json=body, headers=headers, timeout=(CONNECT_TIMEOUT_SECONDS, self.read_timeout)
                )
            except requests.ReadTimeout:
                failure = _failure(f"no answer within {self.read_timeout} s", None, transient=True, reason="timeout")
                return {**failure, "timed_out": True}
            except requests.ConnectionError as error:
                last_error, last_status = f"cannot reach the PDF service: {error}", None
                if attempt < self.max_attempts:
                    self.sleep(min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** (attempt - 1)))
                continue
            if answer.status_code in accepted:
                data = answer.json()
                logger.info("PDF generation triggered successfully: %s", data.get("s3Key") or data.get("batchId"))
                return {"success": True, "data": data}
            message, verdict = _message_of(answer), _verdict_of(answer)
            if answer.status_code == 503:
                last_error, last_status = message, 503
                if not self.retry_busy:
                    failure = _failure(message, 503, transient=True, reason=verdict.get("reason"))
                    return {**failure, "retry_after": _retry_after(answer, attempt)}
                if attempt < self.max_attempts:
                    self.sleep(_retry_after(answer, attempt))
                continue
            # The service says whether asking again can help: a page error or 4xx never does, a timeout may.
            transient = verdict.get("retryable", answer.status_code >= 500)
            return _failure(message, answer.status_code, transient=bool(transient), reason=verdict.get("reason"))
        return _failure(last_error, last_status, transient=True)


def _invalid_input(
    test_id: Any, class_id: Any, report_type: Any, student_id: Any, teacher_id: Any
) -> str | None:
    if report_type not in {member.value for member in ReportType}:
        return "report_type must be one of student, teacher, overall"
    if not isinstance(class_id, str) or not _ID.match(class_id) or class_id in {".", ".."}:
        return "class_id must be 1-128 characters of letters, digits, _ - . @"
    if not isinstance(test_id, str) or not _TEST_ID.match(test_id) or test_id in {".", ".."}:
        return "test_id must be 1-128 characters of letters, digits, _ - . @ or inner spaces"
    for field, value, needed in (
        ("student_id", student_id, report_type == "student"),
        ("teacher_id", teacher_id, report_type == "teacher"),
    ):
        if value is None:
            if needed:
                return f"{field} is required for {report_type} reports"
            continue
        if not isinstance(value, str) or not _ID.match(value) or value in {".", ".."}:
            return f"{field} must be 1-128 characters of letters, digits, _ - . @"
    return None


def _trace_headers() -> dict[str, str]:
    """``traceparent`` (and ``tracestate``) of the active span when OpenTelemetry runs in Django, so one trace
    runs from the backend's call to the stored PDF; nothing when it does not."""
    try:
        from opentelemetry.propagate import inject
    except ImportError:
        return {}
    carrier: dict[str, str] = {}
    inject(carrier)
    return carrier


def _ids(*values: Any) -> tuple[Any, ...]:
    """Django ids are often ints: ``7`` and ``"7"`` name the same test (key ``Test_7``)."""
    return tuple(str(value) if isinstance(value, int) and not isinstance(value, bool) else value for value in values)


def _failure(error: str, status_code: int | None, *, transient: bool, reason: str | None = None) -> dict[str, Any]:
    logger.warning("PDF generation trigger failed (%s): %s", status_code, error)
    failure: dict[str, Any] = {"success": False, "error": error, "status_code": status_code, "transient": transient}
    if reason:
        failure["reason"] = reason
    return failure


def _verdict_of(answer: requests.Response) -> dict[str, Any]:
    try:
        body = answer.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _message_of(answer: requests.Response) -> str:
    """The service's message; for a non-JSON answer (a proxy's error page) the status line."""
    message = _verdict_of(answer).get("message")
    if message:
        return str(message)
    return f"{answer.status_code} {answer.reason}".strip()


def _retry_after(answer: requests.Response, attempt: int) -> float:
    try:
        return min(RETRY_AFTER_CAP_SECONDS, max(0.0, float(answer.headers.get("Retry-After", ""))))
    except ValueError:
        return min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** (attempt - 1))
