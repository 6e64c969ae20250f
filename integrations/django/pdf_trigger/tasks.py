"""Celery tasks: one report per task, and a class as one batch on the service (or, behind a flag, fanned out).

A class is one ``POST /internal/batches`` call: the service's workers (every replica's) render the reports.
With ``PDF_SERVICE['CALLBACK_URL']`` the task returns as soon as the batch exists, and the service's signed
callback tells the backend the outcome (``report_pdfs_ready``, the ``PdfBatch`` row). Without it the task
polls the batch, bounded by ``POLL_TIMEOUT``, to return the seed's summary. Creating the batch retries
transient failures with Celery's backoff and jitter under one Idempotency-Key, so a retry never makes a
second batch; when it gives up, or the service refuses the batch, the task fails (state FAILURE, an ERROR
line). ``PDF_SERVICE['BATCH_FANOUT'] = True`` (or ``fan_out=True``) restores the per-report fan-out: with a
result backend as a chord with a summary, without one as a plain group.

Crash safety: tasks are acknowledged only when done (``acks_late``) and requeued when their worker process
dies (``reject_on_worker_lost``); triggers are idempotent (same key, and a retry after a timeout keeps a PDF
that did get stored), so a redelivery costs at most one more render.
"""

from __future__ import annotations

import hashlib
import logging
import random
from typing import Any

from celery import chord, current_app, group, shared_task
from celery.utils.time import get_exponential_backoff_interval

from .batch_wait import wait_for_batch
from .conf import setting
from .errors import BatchRefused, PDFServiceError, PDFServiceUnavailable
from .models import PdfBatch
from .service import PDFTriggerService

logger = logging.getLogger(__name__)

RETRY_BASE_SECONDS = 5.0
RETRY_CAP_SECONDS = 120.0
MAX_RETRIES = 3
#: A render that timed out is tried at most once more: a page that never gets ready would hold a slot each time.
MAX_TIMEOUT_RETRIES = 1


def _time_limits() -> tuple[float, float]:
    """Soft and hard limits: one call's read timeout plus connecting, retries inside the call and margin."""
    read_timeout = float(setting("READ_TIMEOUT"))
    return read_timeout + 60.0, read_timeout + 90.0


SOFT_TIME_LIMIT, TIME_LIMIT = _time_limits()


def _countdown(retries: int, retry_after: float | None) -> float:
    """The server's Retry-After when it gave one, else capped exponential backoff; both with jitter."""
    base = retry_after if retry_after is not None else min(RETRY_CAP_SECONDS, RETRY_BASE_SECONDS * 2**retries)
    return base + random.uniform(0, max(1.0, base / 2))


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=SOFT_TIME_LIMIT,
    time_limit=TIME_LIMIT,
    max_retries=MAX_RETRIES,
)
def trigger_pdf_generation(
    self: Any,
    test_id: str,
    class_id: str,
    report_type: str,
    student_id: str | None = None,
    teacher_id: str | None = None,
    origin: str | None = None,
    force: bool = True,
    timeouts: int = 0,
) -> dict[str, Any]:
    result = PDFTriggerService(retry_busy=False).trigger_pdf_generation(
        test_id=test_id,
        class_id=class_id,
        report_type=report_type,
        student_id=student_id,
        teacher_id=teacher_id,
        origin=origin,
        force=force,
    )
    timed_out = result.get("reason") == "timeout" or result.get("timed_out", False)
    may_retry = self.request.retries < self.max_retries and (not timed_out or timeouts < MAX_TIMEOUT_RETRIES)
    if not result["success"] and result.get("transient") and may_retry:
        raise self.retry(
            countdown=_countdown(self.request.retries, result.get("retry_after")),
            args=(),
            kwargs={
                "test_id": test_id,
                "class_id": class_id,
                "report_type": report_type,
                "student_id": student_id,
                "teacher_id": teacher_id,
                "origin": origin,
                # After a read timeout the render may have finished and been stored: keep it then.
                "force": False if result.get("timed_out") else force,
                "timeouts": timeouts + (1 if timed_out else 0),
            },
        )
    result["report"] = {"report_type": report_type, "student_id": student_id, "teacher_id": teacher_id}
    if not result["success"]:
        # The seed's contract is a result dict, not a failed task: the final failure is said at ERROR instead
        # (a refused reportToken means TOKEN_SECRET is not the service's JWT_SECRET).
        logger.error(
            "report %s of class %s test %s not stored: %s", student_id or teacher_id or report_type, class_id, test_id, result["error"]
        )
    return result


@shared_task
def summarize_pdf_results(results: list[dict[str, Any]], test_id: str, class_id: str) -> dict[str, Any]:
    succeeded = sum(1 for result in results if result.get("success"))
    return {
        "success": succeeded == len(results),
        "test_id": test_id,
        "class_id": class_id,
        "results": results,
        "summary": {
            "total": len(results),
            "successful": succeeded,
            "failed": len(results) - succeeded,
            "text": f"{succeeded}/{len(results)}",
        },
    }


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=int(setting("BATCH_MAX_RETRIES")),
    retry_backoff=int(setting("BATCH_RETRY_BACKOFF")),
    retry_backoff_max=int(setting("BATCH_RETRY_BACKOFF_MAX")),
    retry_jitter=True,
    # Only a class without a callback URL runs this long: it polls its batch for up to POLL_TIMEOUT.
    soft_time_limit=float(setting("POLL_TIMEOUT")) + 60.0,
    time_limit=float(setting("POLL_TIMEOUT")) + 120.0,
)
def trigger_bulk_pdf_generation(
    self: Any,
    test_id: str,
    class_id: str,
    student_ids: list[str],
    teacher_ids: list[str] | None = None,
    origin: str | None = None,
    include_overall: bool = False,
    fan_out: bool | None = None,
) -> Any:
    """Renders a class. With a callback URL: ``{"success": True, "batch_id", "state", "total", ...}`` as soon as
    the batch is queued. Without: the seed's summary (``success``, ``summary`` "n/n", ...) once it finished."""
    test_id, class_id = str(test_id), str(class_id)
    student_ids = [str(student_id) for student_id in student_ids]
    teacher_ids = [str(teacher_id) for teacher_id in teacher_ids or []]
    if fan_out is None:
        fan_out = bool(setting("BATCH_FANOUT"))
    if not fan_out:
        return _run_batch(self, test_id, class_id, student_ids, teacher_ids, origin, include_overall)
    reports = (
        [
            trigger_pdf_generation.s(test_id, class_id, "student", student_id=student_id, origin=origin)
            for student_id in student_ids
        ]
        + [
            trigger_pdf_generation.s(test_id, class_id, "teacher", teacher_id=teacher_id, origin=origin)
            for teacher_id in teacher_ids
        ]
        + ([trigger_pdf_generation.s(test_id, class_id, "overall", origin=origin)] if include_overall else [])
    )
    if not _has_result_backend():
        # A chord needs a result backend; without one the reports still run, only no summary is collected.
        group(reports).apply_async()
        return {"success": True, "test_id": test_id, "class_id": class_id, "queued": len(reports)}
    return self.replace(chord(group(reports), summarize_pdf_results.s(test_id=test_id, class_id=class_id)))


def _has_result_backend() -> bool:
    backend = current_app.conf.result_backend
    return bool(backend) and str(backend) not in {"disabled", "none"}


def _run_batch(
    task: Any,
    test_id: str,
    class_id: str,
    student_ids: list[str],
    teacher_ids: list[str],
    origin: str | None,
    include_overall: bool,
) -> dict[str, Any]:
    # Retries are Celery's (the worker is free between attempts), so the call itself tries once.
    service = PDFTriggerService(max_attempts=1, retry_busy=False)
    callback_url = setting("CALLBACK_URL")
    # The same class and reports again (a retry, a redelivered task) is the same batch, not a second one.
    digest = hashlib.sha256(repr((class_id, test_id, student_ids, teacher_ids, include_overall)).encode()).hexdigest()
    created = service.create_batch(
        class_id,
        test_id,
        student_ids,
        teacher_ids,
        include_overall=include_overall,
        origin=origin,
        callback_url=callback_url,
        idempotency_key=f"celery-{digest[:48]}",
    )
    what = f"class {class_id} test {test_id}"
    if not created["success"]:
        _retry_or_fail(task, what, created)
    batch = created["data"]
    PdfBatch.record({**batch, "classId": class_id, "testId": test_id})
    if callback_url:
        logger.info("batch %s of %s queued: %s reports, outcome by callback", batch["batchId"], what, batch["total"])
        return {
            "success": True,
            "test_id": test_id,
            "class_id": class_id,
            "batch_id": batch["batchId"],
            "state": batch["state"],
            "total": batch["total"],
        }
    try:
        data = wait_for_batch(service, batch["batchId"])
    except PDFServiceError as error:
        logger.error("waiting for the batch of %s failed: %s", what, error)
        raise
    return {
        "success": data["failed"] == 0 and data["state"] == "completed",
        "test_id": test_id,
        "class_id": class_id,
        "batch_id": batch["batchId"],
        "results": [
            {"success": item["state"] == "succeeded", "s3Key": item["s3Key"], "error": item.get("error")}
            for item in data["items"]
        ],
        "summary": {
            "total": data["total"],
            "successful": data["succeeded"],
            "failed": data["total"] - data["succeeded"],
            "text": f"{data['succeeded']}/{data['total']}",
        },
    }


def _retry_or_fail(task: Any, what: str, failure: dict[str, Any]) -> None:
    """A transient failure is retried after Celery's backoff (or the service's Retry-After when longer); a
    refusal, or the last retry, fails the task."""
    if not failure["transient"]:
        logger.error("the PDF service refused the batch of %s (%s): %s", what, failure["status_code"], failure["error"])
        raise BatchRefused(f"the PDF service refused the batch of {what}: {failure['error']}")
    attempts = task.request.retries + 1
    if task.request.retries >= task.max_retries:
        logger.error("gave up creating the batch of %s after %d attempts: %s", what, attempts, failure["error"])
        raise PDFServiceUnavailable(f"batch of {what} not created after {attempts} attempts: {failure['error']}")
    backoff = get_exponential_backoff_interval(
        factor=task.retry_backoff,
        retries=task.request.retries,
        maximum=task.retry_backoff_max,
        full_jitter=task.retry_jitter,
    )
    countdown = max(float(failure.get("retry_after") or 0.0), float(backoff))
    logger.warning(
        "batch of %s not created (%s), retry %d of %d in %.1f s", what, failure["error"], attempts, task.max_retries, countdown
    )
    raise task.retry(countdown=countdown, exc=PDFServiceUnavailable(failure["error"]))
