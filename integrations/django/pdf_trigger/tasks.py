"""Celery tasks: one report per task, and a class as one batch on the service (or, behind a flag, fanned out).

A class is one ``POST /internal/batches`` call: the service's workers (every replica's) render the reports at
batch priority, and this task only watches the batch (a GET every few seconds) to return the seed's summary.
``PDF_SERVICE_BATCH_FANOUT = True`` (or ``fan_out=True``) restores the per-report fan-out, bounded by the
worker pool that consumes these tasks.
"""

from __future__ import annotations

from typing import Any

import hashlib
import time

from celery import chord, group, shared_task
from django.conf import settings

from .service import PDFTriggerService

BATCH_POLL_SECONDS = 2.0
BATCH_WAIT_SECONDS = 3600.0


class TransientTriggerError(Exception):
    """A failure worth retrying later: the service was unreachable, busy, or timed out."""


@shared_task(
    bind=True,
    autoretry_for=(TransientTriggerError,),
    retry_backoff=5,
    retry_backoff_max=120,
    retry_jitter=True,
    max_retries=3,
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
) -> dict[str, Any]:
    result = PDFTriggerService().trigger_pdf_generation(
        test_id=test_id,
        class_id=class_id,
        report_type=report_type,
        student_id=student_id,
        teacher_id=teacher_id,
        origin=origin,
        force=force,
    )
    if not result["success"] and result.get("transient") and self.request.retries < self.max_retries:
        raise TransientTriggerError(result["error"])
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


@shared_task(bind=True)
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
    if fan_out is None:
        fan_out = getattr(settings, "PDF_SERVICE_BATCH_FANOUT", False)
    if not fan_out:
        return _run_batch(test_id, class_id, student_ids, teacher_ids or [], origin, include_overall)
    reports = [
        trigger_pdf_generation.s(test_id, class_id, "student", student_id=student_id, origin=origin)
        for student_id in student_ids
    ] + [
        trigger_pdf_generation.s(test_id, class_id, "teacher", teacher_id=teacher_id, origin=origin)
        for teacher_id in teacher_ids or []
    ]
    return self.replace(chord(group(reports), summarize_pdf_results.s(test_id=test_id, class_id=class_id)))


def _run_batch(
    test_id: str,
    class_id: str,
    student_ids: list[str],
    teacher_ids: list[str],
    origin: str | None,
    include_overall: bool,
) -> dict[str, Any]:
    service = PDFTriggerService()
    # The same class and reports again (a retried task) is the same batch, not a second one.
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
