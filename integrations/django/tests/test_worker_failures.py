"""(Runs last: its module stack owns the test Celery app's broker connection.)

How failures travel from the service to Celery: classified once, retried only when it can help, and a
worker process killed mid-class loses nothing. Real service (short render timeout), Redis, Celery (prefork)."""

import os
import signal
import subprocess
import time

import pytest
from django.test import override_settings

from pdf_trigger import PDFTriggerService
from pdf_trigger.tasks import trigger_bulk_pdf_generation, trigger_pdf_generation
from tests.live_stack import LiveStack


@pytest.fixture(scope="module")
def stack():
    live = LiveStack().start(with_celery=True, service_env={"RENDER_TIMEOUT_MS": "2000"}, pool="prefork")
    yield live
    live.stop()


def test_a_page_with_the_error_flag_is_loaded_once_and_reported_permanent(stack):
    before = stack.metric('pdf_render_failures_total{reason="page_error"}')
    result = trigger_pdf_generation.delay("Test_1", "CLASS_F", "student", student_id="FAIL_7").get(timeout=120)
    assert result["success"] is False
    assert (result["transient"], result["reason"], result["status_code"]) == (False, "page_error", 502)
    assert stack.metric('pdf_render_failures_total{reason="page_error"}') - before == 1


def test_a_page_that_never_gets_ready_is_loaded_at_most_twice(stack):
    before = stack.metric('pdf_render_failures_total{reason="timeout"}')
    result = trigger_pdf_generation.delay("Test_1", "CLASS_F", "student", student_id="HANG_1").get(timeout=120)
    assert (result["success"], result["reason"]) == (False, "timeout")
    assert stack.metric('pdf_render_failures_total{reason="timeout"}') - before == 2


def test_a_wrong_token_secret_is_refused_before_any_page_load(stack):
    renders = stack.metric("pdf_render_duration_seconds_count")
    failures = stack.metric('pdf_render_failures_total{reason="page_error"}')
    with override_settings(PDF_SERVICE={"TOKEN_SECRET": "not-the-services-key"}):
        result = PDFTriggerService().trigger_pdf_generation("Test_1", "CLASS_F", "student", student_id="S1")
    assert (result["status_code"], result["transient"], result["reason"]) == (400, False, "invalid_input")
    assert "reportToken" in result["error"]
    assert stack.metric("pdf_render_duration_seconds_count") == renders
    assert stack.metric('pdf_render_failures_total{reason="page_error"}') == failures


def pool_processes(worker_pid: int) -> list[int]:
    table = subprocess.run(["ps", "-eo", "pid=,ppid="], capture_output=True, text=True, check=True).stdout
    return [int(pid) for pid, ppid in (line.split() for line in table.strip().splitlines()) if int(ppid) == worker_pid]


def test_a_worker_process_killed_mid_class_loses_no_report(stack):
    students = [f"KILL{index:02d}" for index in range(20)]
    result = trigger_bulk_pdf_generation.delay("Test_9", "CLASS_KILL", students, fan_out=True)
    time.sleep(1.5)
    victims = pool_processes(stack.worker.pid)
    assert victims, "the prefork worker has pool processes"
    os.kill(victims[0], signal.SIGKILL)
    try:
        result.get(timeout=300, propagate=False)
    except Exception:  # noqa: BLE001 (the chord may report the lost process; what counts is storage below)
        pass
    deadline = time.monotonic() + 120
    keys = [f"reports/CLASS_KILL/Test_9/students/{student}.pdf" for student in students]
    missing = keys
    while missing and time.monotonic() < deadline:
        missing = [key for key in keys if stack.object(key).status_code != 200]
        time.sleep(1)
    assert missing == []
