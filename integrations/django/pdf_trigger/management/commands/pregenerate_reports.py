"""``python manage.py pregenerate_reports --class C --test T [--students ...] [--teachers ...] [--overall] [--wait]``"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from pdf_trigger.service import PDFTriggerService

POLL_SECONDS = 2.0


class Command(BaseCommand):
    help = "Queue a batch that renders and stores every named report of one class and test."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--class", dest="class_id", required=True)
        parser.add_argument("--test", dest="test_id", required=True)
        parser.add_argument("--students", nargs="*", default=[], help="student ids")
        parser.add_argument("--teachers", nargs="*", default=[], help="teacher ids")
        parser.add_argument("--overall", action="store_true", help="also the class overall report")
        parser.add_argument("--wait", action="store_true", help="wait until the batch has finished")
        parser.add_argument("--timeout", type=float, default=3600.0, help="seconds --wait waits at most")

    def handle(self, *args: Any, **options: Any) -> None:
        service = PDFTriggerService()
        created = service.create_batch(
            options["class_id"],
            options["test_id"],
            options["students"],
            options["teachers"],
            include_overall=options["overall"],
        )
        if not created["success"]:
            raise CommandError(f"batch refused: {created['error']}")
        batch_id = created["data"]["batchId"]
        self.stdout.write(f"batch {batch_id}: {created['data']['total']} reports queued")
        if not options["wait"]:
            return
        deadline = time.monotonic() + options["timeout"]
        while True:
            status = service.batch_status(batch_id)
            if status["success"] and status["data"]["pending"] == 0:
                data = status["data"]
                self.stdout.write(f"batch {batch_id} {data['state']}: {data['succeeded']}/{data['total']} stored, {data['failed']} failed")
                for item in data["items"]:
                    if item["state"] == "failed":
                        self.stdout.write(f"  failed {item['s3Key']}: {item.get('error', '')}")
                if data["failed"]:
                    raise CommandError(f"{data['failed']} report(s) failed")
                return
            if time.monotonic() > deadline:
                raise CommandError(f"batch {batch_id} still running after {options['timeout']} s")
            time.sleep(POLL_SECONDS)
