"""The class flow against the real service, Redis and a one-process Celery worker, with the service's signed
callbacks posted to this process's Django (the package's view): no worker held by a class, nothing dropped when
the service is away, progress while `pregenerate_reports --wait` waits."""

from __future__ import annotations

import io
import os
import re

import pytest
from django.core.management import call_command

from pdf_trigger import PDFTriggerService
from pdf_trigger.hooks import on_educator_upload_complete
from pdf_trigger.models import PdfBatch
from pdf_trigger.tasks import trigger_bulk_pdf_generation
from tests.live_stack import INTERNAL_TOKEN, LiveStack, wait_until
from tests.test_batches import signalled


@pytest.fixture(scope="module")
def stack():
    live = LiveStack()
    django_url = live.serve_django()
    # The worker's settings read it from the environment; the stack restores the environment when it stops.
    os.environ["PDF_SERVICE_CALLBACK_URL"] = f"{django_url}/pdf-batches/callback"
    # One worker process: if a class task held it, the second task below could not run.
    live.start(
        with_celery=True,
        concurrency=1,
        service_env={"CALLBACK_ORIGINS": django_url, "CALLBACK_SECRET": INTERNAL_TOKEN},
    )
    yield live
    live.stop()


def stored(stack: LiveStack, keys: list[str]) -> bool:
    return all(stack.object(key).status_code == 200 for key in keys)


def callback_of(received: list[dict], batch_id: str) -> dict | None:
    return next((payload for payload in received if payload["batchId"] == batch_id), None)


def test_the_hook_flow_completes_through_the_callback_and_leaves_the_worker_free(stack):
    students = [f"CB{n:02d}" for n in range(16)]
    with signalled() as received:
        handle = on_educator_upload_complete(
            {"test_id": "4", "class_id": "CLASS_CB", "student_ids": students, "teacher_ids": ["TCH_CB"]}
        )
        queued = handle.get(timeout=60)
        del handle  # its finaliser talks to the result backend: run it now, while Redis is up
        assert (queued["success"], queued["total"]) == (True, 18), queued
        batch_id = queued["batch_id"]
        # The worker's only process is free again while the batch renders: another task runs meanwhile.
        other = trigger_bulk_pdf_generation.delay("4", "CLASS_CB_OTHER", ["X1"]).get(timeout=60)
        assert other["success"] is True
        assert PDFTriggerService().batch_status(batch_id)["data"]["pending"] > 0
        wait_until(lambda: callback_of(received, batch_id) is not None, "the batch callback", 180)
    payload = callback_of(received, batch_id)
    assert (payload["state"], payload["succeeded"], payload["failed"], payload["failures"]) == ("completed", 18, 0, [])
    row = PdfBatch.objects.get(batch_id=batch_id)
    assert (row.class_id, row.state, row.succeeded, row.pending) == ("CLASS_CB", "completed", 18, 0)
    assert row.finished_at is not None
    keys = [f"reports/CLASS_CB/Test_4/students/{student}.pdf" for student in students]
    assert stored(stack, keys + ["reports/CLASS_CB/Test_4/teacher_TCH_CB.pdf", "reports/CLASS_CB/Test_4/overall.pdf"])


def test_a_class_queued_while_the_service_is_down_is_stored_once_it_is_back_as_one_batch(stack):
    students = [f"DOWN{n:02d}" for n in range(6)]
    stack.stop_service()
    with signalled() as received:
        result = trigger_bulk_pdf_generation.delay("5", "CLASS_DOWN", students)
        wait_until(lambda: result.state == "RETRY", "the class task's first retry", 60)
        stack.start_service()
        queued = result.get(timeout=120)
        wait_until(lambda: callback_of(received, queued["batch_id"]) is not None, "the batch callback", 180)
    assert [payload["classId"] for payload in received] == ["CLASS_DOWN"]
    # The restarted service counts from zero: every item it finished is this class's, each once.
    assert stack.metric('pdf_batch_items{state="succeeded"}') == len(students)
    assert stored(stack, [f"reports/CLASS_DOWN/Test_5/students/{student}.pdf" for student in students])


def test_pregenerate_reports_wait_prints_progress_until_the_class_is_stored(stack):
    out = io.StringIO()
    students = [f"W{n:02d}" for n in range(1, 34)]
    call_command(
        "pregenerate_reports", "--class", "CLASS_WAIT", "--test", "6", "--students", *students, "--wait", "--every", "1",
        "--callback-url", os.environ["PDF_SERVICE_CALLBACK_URL"], stdout=out,
    )
    lines = out.getvalue().splitlines()
    print("\n".join(lines))
    assert re.fullmatch(r"batch \S+: 33 reports queued, outcome posted to http://127\.0\.0\.1:\d+/pdf-batches/callback", lines[0])
    progress = lines[1:-1]
    assert len(progress) >= 2, lines
    for line in progress:
        counts = re.fullmatch(r"(\d+)/33 stored, (\d+) failed, (\d+) pending", line)
        assert counts and sum(int(n) for n in counts.groups()) == 33, line
    assert re.fullmatch(r"batch \S+ completed: 33/33 stored, 0 failed", lines[-1])
