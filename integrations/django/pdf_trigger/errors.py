"""Why a class could not be rendered: raised by the tasks and the command, so Celery marks the task FAILURE."""

from __future__ import annotations


class PDFServiceError(Exception):
    """The PDF service did not render a class as asked."""


class PDFServiceUnavailable(PDFServiceError):
    """The service could not be reached or was busy (the transient failures), even after every retry."""


class BatchRefused(PDFServiceError):
    """The service refused the batch (a 4xx such as a bad id, a wrong internal token, an origin it does not
    allow): asking again cannot help."""


class BatchGone(PDFServiceError):
    """The service answers 404 for a batch it accepted: it has forgotten it."""

    def __init__(self, batch_id: str) -> None:
        super().__init__(
            f"batch {batch_id} is gone: the PDF service no longer knows it. That happens when the service keeps "
            "batches in memory (no REDIS_URL) and restarted, or another replica answered; give every replica the "
            "same REDIS_URL so batches survive restarts and are shared, then queue the class again"
        )
        self.batch_id = batch_id


class BatchWaitTimedOut(PDFServiceError):
    """A wait for a batch reached PDF_SERVICE['POLL_TIMEOUT']; the batch itself may still finish."""

    def __init__(self, batch_id: str, seconds: float) -> None:
        super().__init__(
            f"batch {batch_id} still running after {seconds:g} s (PDF_SERVICE['POLL_TIMEOUT']); it may still "
            "finish: its row in the admin is updated by the callback"
        )
        self.batch_id = batch_id
