"""Celery tasks: one report per task, and a class fanned out as a group whose results are summarised.

The trigger's 202 already means "rendered and stored", so nothing here polls S3. How many reports render at
once is bounded by the worker pool that consumes these tasks (route them to a dedicated queue, see the
README) and, behind it, by the PDF service's own render queue.
"""

from __future__ import annotations

from typing import Any

from celery import chord, group, shared_task

from .service import PDFTriggerService


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
) -> Any:
    """Fans out one task per report; this task's result becomes the summary (seed shape)."""
    reports = [
        trigger_pdf_generation.s(test_id, class_id, "student", student_id=student_id, origin=origin)
        for student_id in student_ids
    ] + [
        trigger_pdf_generation.s(test_id, class_id, "teacher", teacher_id=teacher_id, origin=origin)
        for teacher_id in teacher_ids or []
    ]
    return self.replace(chord(group(reports), summarize_pdf_results.s(test_id=test_id, class_id=class_id)))
