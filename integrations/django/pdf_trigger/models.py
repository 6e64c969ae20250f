"""One row per batch the package created: what staff read in the admin on a results day."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_datetime


class PdfBatch(models.Model):
    """A class's reports as one batch on the service. Created when the batch is created, then updated by the
    signed callback (and by polling, where a wait polls)."""

    QUEUED, RUNNING, COMPLETED, CANCELLED, GONE = "queued", "running", "completed", "cancelled", "gone"
    STATES = [
        (QUEUED, "queued"),
        (RUNNING, "running"),
        (COMPLETED, "completed"),
        (CANCELLED, "cancelled"),
        # Not a service state: the service answered 404 for it (it lost its in-memory batches).
        (GONE, "gone"),
    ]

    batch_id = models.CharField(max_length=100, unique=True)
    class_id = models.CharField(max_length=128, db_index=True)
    test_id = models.CharField(max_length=128)
    state = models.CharField(max_length=16, choices=STATES, default=QUEUED)
    total = models.PositiveIntegerField(default=0)
    succeeded = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    pending = models.PositiveIntegerField(default=0)
    #: ``[{"s3Key": ..., "error": ...}]`` of the reports that failed.
    failures = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "PDF batch"
        verbose_name_plural = "PDF batches"

    def __str__(self) -> str:
        return f"{self.class_id} {self.test_id}: {self.state} {self.succeeded}/{self.total}"

    @classmethod
    def record(cls, status: dict[str, Any]) -> "PdfBatch":
        """Saves what the service said about a batch: its answer to the create call, a GET of its status or
        its callback. At least once and in any order: a finished row is never taken back to unfinished."""
        current = cls.objects.filter(batch_id=status["batchId"]).first()
        if current is not None and current.finished_at is not None and not status.get("finishedAt"):
            return current
        row = current or cls(batch_id=status["batchId"])
        row.class_id = str(status.get("classId", row.class_id))
        row.test_id = str(status.get("testId", row.test_id))
        row.state = str(status.get("state", row.state))
        row.total = int(status.get("total", row.total))
        row.succeeded = int(status.get("succeeded", row.succeeded))
        row.failed = int(status.get("failed", row.failed))
        row.pending = int(status.get("pending", row.total - row.succeeded - row.failed))
        row.failures = _failures_of(status, row.failures)
        row.created_at = _moment(status.get("createdAt")) or row.created_at or timezone.now()
        row.finished_at = _moment(status.get("finishedAt")) or row.finished_at
        row.save()
        return row


def _failures_of(status: dict[str, Any], previous: list[dict[str, str]]) -> list[dict[str, str]]:
    if "failures" in status:
        return list(status["failures"])
    if "items" in status:
        return [
            {"s3Key": item["s3Key"], "error": item.get("error", "failed")}
            for item in status["items"]
            if item.get("state") == "failed"
        ]
    return previous


def _moment(text: Any):
    return parse_datetime(text) if isinstance(text, str) else None
