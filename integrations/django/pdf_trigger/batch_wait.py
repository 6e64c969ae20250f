"""Waiting for a batch by polling its status: for ``pregenerate_reports --wait`` and for projects whose
backend the service cannot call back. Bounded by ``PDF_SERVICE['POLL_TIMEOUT']``; a 404 ends it at once."""

from __future__ import annotations

import time
from typing import Any, Callable

from .conf import setting
from .errors import BatchGone, BatchRefused, BatchWaitTimedOut
from .models import PdfBatch
from .service import PDFTriggerService

Progress = Callable[[dict[str, Any]], None]


def wait_for_batch(
    service: PDFTriggerService,
    batch_id: str,
    *,
    timeout: float | None = None,
    interval: float | None = None,
    on_progress: Progress | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> dict[str, Any]:
    """The batch's final status (``pending == 0``), each status seen recorded in its ``PdfBatch`` row and
    passed to ``on_progress``. An unreachable service is polled again until the deadline."""
    seconds = float(setting("POLL_TIMEOUT") if timeout is None else timeout)
    pause = float(setting("POLL_INTERVAL") if interval is None else interval)
    deadline = clock() + seconds
    while True:
        status = service.batch_status(batch_id)
        if status["success"]:
            data = status["data"]
            PdfBatch.record(data)
            if on_progress is not None:
                on_progress(data)
            if data["pending"] == 0:
                return data
        elif status["status_code"] == 404:
            PdfBatch.objects.filter(batch_id=batch_id).update(state=PdfBatch.GONE)
            raise BatchGone(batch_id)
        elif not status["transient"]:
            raise BatchRefused(f"status of batch {batch_id} refused: {status['error']}")
        if clock() >= deadline:
            raise BatchWaitTimedOut(batch_id, seconds)
        sleep(pause)
