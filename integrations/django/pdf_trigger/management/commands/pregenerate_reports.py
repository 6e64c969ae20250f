"""``python manage.py pregenerate_reports --class C --test T [--students ...] [--teachers ...] [--overall]
[--callback-url URL] [--wait [--timeout S] [--every S]]``"""

from __future__ import annotations

import time
from typing import Any, Callable

from django.core.management.base import BaseCommand, CommandError, OutputWrapper

from pdf_trigger.batch_wait import wait_for_batch
from pdf_trigger.conf import setting
from pdf_trigger.errors import PDFServiceError
from pdf_trigger.models import PdfBatch
from pdf_trigger.service import PDFTriggerService

BAR_WIDTH = 30


class Command(BaseCommand):
    help = "Queue a batch that renders and stores every named report of one class and test."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--class", dest="class_id", required=True)
        parser.add_argument("--test", dest="test_id", required=True)
        parser.add_argument("--students", nargs="*", default=[], help="student ids")
        parser.add_argument("--teachers", nargs="*", default=[], help="teacher ids")
        parser.add_argument("--overall", action="store_true", help="also the class overall report")
        parser.add_argument(
            "--callback-url", help="where the service posts the outcome (default: PDF_SERVICE['CALLBACK_URL'])"
        )
        parser.add_argument("--wait", action="store_true", help="wait until the batch has finished, showing progress")
        parser.add_argument(
            "--timeout", type=float, default=None, help="seconds --wait waits at most (default: PDF_SERVICE['POLL_TIMEOUT'])"
        )
        parser.add_argument(
            "--every", type=float, default=5.0, help="seconds between two progress lines when output is not a terminal"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        service = PDFTriggerService()
        callback_url = options["callback_url"] or setting("CALLBACK_URL")
        created = service.create_batch(
            options["class_id"],
            options["test_id"],
            options["students"],
            options["teachers"],
            include_overall=options["overall"],
            callback_url=callback_url,
        )
        if not created["success"]:
            raise CommandError(f"batch refused: {created['error']}")
        batch = created["data"]
        batch_id = batch["batchId"]
        PdfBatch.record({**batch, "classId": str(options["class_id"]), "testId": str(options["test_id"])})
        by_callback = f", outcome posted to {callback_url}" if callback_url else ""
        reports = "report" if batch["total"] == 1 else "reports"
        self.stdout.write(f"batch {batch_id}: {batch['total']} {reports} queued{by_callback}")
        if not options["wait"]:
            return
        progress = ProgressDisplay(self.stdout, every=options["every"])
        try:
            data = wait_for_batch(service, batch_id, timeout=options["timeout"], on_progress=progress.show)
        except PDFServiceError as error:
            raise CommandError(str(error)) from error
        finally:
            progress.close()
        self.stdout.write(f"batch {batch_id} {data['state']}: {data['succeeded']}/{data['total']} stored, {data['failed']} failed")
        failed = [item for item in data["items"] if item["state"] == "failed"]
        for item in failed:
            self.stdout.write(f"  failed {item['s3Key']}: {item.get('error', '')}")
        if failed:
            raise CommandError(f"{len(failed)} report(s) failed: {', '.join(item['s3Key'] for item in failed)}")
        if data["state"] != "completed":
            raise CommandError(f"batch {batch_id} ended {data['state']}")


class ProgressDisplay:
    """On a terminal, one bar redrawn in place; otherwise a line every ``every`` seconds (logs stay readable)."""

    def __init__(self, out: OutputWrapper, *, every: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.out = out
        self.every = every
        self.clock = clock
        self.terminal = out.isatty()
        self.last_line: float | None = None
        self.drawn = False

    def show(self, status: dict[str, Any]) -> None:
        done, total = status["succeeded"] + status["failed"], status["total"]
        counts = f"{status['succeeded']}/{total} stored, {status['failed']} failed, {status['pending']} pending"
        if self.terminal:
            filled = BAR_WIDTH * done // total if total else BAR_WIDTH
            self.out.write(f"\r[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {counts}", ending="")
            self.out.flush()
            self.drawn = True
            return
        now = self.clock()
        if self.last_line is None or now - self.last_line >= self.every:
            self.out.write(counts)
            self.last_line = now

    def close(self) -> None:
        if self.drawn:
            self.out.write("")
