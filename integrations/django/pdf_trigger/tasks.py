"""Celery tasks: one report per task, and a class as one batch on the service (or, behind a flag, fanned out).

A class is one ``POST /internal/batches`` call: the service's workers (every replica's) render the reports at
batch priority, and this task only watches the batch (a GET every few seconds) to return the seed's summary;
it needs no result backend. ``PDF_SERVICE['BATCH_FANOUT'] = True`` (or ``fan_out=True``) restores the
per-report fan-out, bounded by the worker pool that consumes these tasks: with a result backend as a chord
with a summary, without one as a plain group.

Crash safety: tasks are acknowledged only when done (``acks_late``) and requeued when their worker process
dies (``reject_on_worker_lost``); triggers are idempotent (same key, and a retry after a timeout keeps a PDF
that did get stored), so a redelivery costs at most one more render.
"""

from __future__ import annotations

import hashlib
import random
import time
from typing import Any

from celery import chord, current_app, group, shared_task

from .conf import setting
from .service import PDFTriggerService

BATCH_POLL_SECONDS = 2.0
BATCH_WAIT_SECONDS = 3600.0
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


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True)
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
    """Renders a class; the result is the seed's summary (``success``, ``summary`` "n/n", ...)."""
    test_id, class_id = str(test_id), str(class_id)
    student_ids = [str(student_id) for student_id in student_ids]
    teacher_ids = [str(teacher_id) for teacher_id in teacher_ids or []]
    if fan_out is None:
        fan_out = bool(setting("BATCH_FANOUT"))
    if not fan_out:
        return _run_batch(test_id, class_id, student_ids, teacher_ids, origin, include_overall)
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
    test_id: str,
    class_id: str,
    student_ids: list[str],
    teacher_ids: list[str],
    origin: str | None,
    include_overall: bool,
) -> dict[str, Any]:
    service = PDFTriggerService()
    # The same class and reports again (a redelivered task) is the same batch, not a second one.
    digest = hashlib.sha256(repr((class_id, test_id, student_ids, teacher_ids, include_overall)).encode()).hexdigest()
    created = service.create_batch(
        class_id,
        test_id,
        student_ids,
        teacher_ids,
        include_overall=include_overall,
        origin=origin,
        idempotency_key=f"celery-{digest[:48]}",
    )
    if not created["success"]:
        return {"success": False, "test_id": test_id, "class_id": class_id, "error": created["error"]}
    batch_id = created["data"]["batchId"]
    deadline = time.monotonic() + BATCH_WAIT_SECONDS
    while True:
        status = service.batch_status(batch_id)
        if status["success"] and status["data"]["pending"] == 0:
            break
        if time.monotonic() > deadline:
            return {"success": False, "test_id": test_id, "class_id": class_id, "batch_id": batch_id, "error": "timeout"}
        time.sleep(BATCH_POLL_SECONDS)
    data = status["data"]
    return {
        "success": data["failed"] == 0 and data["state"] == "completed",
        "test_id": test_id,
        "class_id": class_id,
        "batch_id": batch_id,
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
