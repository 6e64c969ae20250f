"""The seed's Option B, ready to call from the test-processing completion handler."""

from __future__ import annotations

import logging
from typing import Any

from .tasks import trigger_bulk_pdf_generation

logger = logging.getLogger(__name__)


def on_educator_upload_complete(test_data: dict[str, Any]) -> Any:
    """Queues PDF generation for every student and the teacher of a processed test; returns the task."""
    task = trigger_bulk_pdf_generation.delay(
        test_id=test_data["test_id"],
        class_id=test_data["class_id"],
        student_ids=test_data["student_ids"],
        teacher_ids=[test_data["teacher_id"]],
    )
    logger.info("Queued PDF generation task: %s", task.id)
    return task
