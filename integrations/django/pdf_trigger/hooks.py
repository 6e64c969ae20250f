"""The seed's Option B, ready to call from the test-processing completion handler."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from celery.result import AsyncResult
from django.db import transaction

from .tasks import trigger_bulk_pdf_generation

logger = logging.getLogger(__name__)


def on_educator_upload_complete(test_data: dict[str, Any], *, using: str | None = None) -> AsyncResult:
    """Queues PDF generation for a processed test, once the surrounding transaction commits.

    ``test_data``: ``test_id``, ``class_id``, ``student_ids``; optional ``teacher_ids`` (or one ``teacher_id``),
    ``include_overall`` (default True) and ``origin``. The reports render only after the data they show is
    committed (``transaction.on_commit``); outside a transaction the task is queued at once. Returns the
    task's result handle (its id is known before the commit).
    """
    teacher_ids = list(test_data.get("teacher_ids") or ([test_data["teacher_id"]] if test_data.get("teacher_id") else []))
    task_id = str(uuid.uuid4())
    kwargs = {
        "test_id": str(test_data["test_id"]),
        "class_id": str(test_data["class_id"]),
        "student_ids": [str(student_id) for student_id in test_data["student_ids"]],
        "teacher_ids": [str(teacher_id) for teacher_id in teacher_ids],
        "origin": test_data.get("origin"),
        "include_overall": bool(test_data.get("include_overall", True)),
    }
    transaction.on_commit(lambda: trigger_bulk_pdf_generation.apply_async(kwargs=kwargs, task_id=task_id), using=using)
    logger.info("Queued PDF generation task: %s", task_id)
    return AsyncResult(task_id)
