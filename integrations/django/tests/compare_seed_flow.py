"""Measures a class of 10 students + 1 teacher two ways against the same live stack and prints the figures:

- the seed's flow: one trigger after another, then for each report polling S3 every 5 s until the PDF is
  there (the seed sleeps before each look); also a generous variant that looks once before sleeping;
- this package: trigger_bulk_pdf_generation through a Celery worker (4 threads) on Redis, no polling.

Usage (after `npm run build && npm run tools:build` at the repository root):
    cd integrations/django && /usr/bin/python3 -m tests.compare_seed_flow
"""

from __future__ import annotations

import os
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django  # noqa: E402

django.setup()

from pdf_trigger import PDFTriggerService  # noqa: E402
from pdf_trigger.tasks import trigger_bulk_pdf_generation  # noqa: E402
from tests.live_stack import LiveStack  # noqa: E402

POLL_SECONDS = 5
STUDENTS = [f"STU{index:03d}" for index in range(1, 11)]


def seed_flow(stack: LiveStack, class_id: str, look_first: bool) -> float:
    started = time.monotonic()
    service = PDFTriggerService()
    reports = [("student", student, None) for student in STUDENTS] + [("teacher", None, "TCH001")]
    for report_type, student_id, teacher_id in reports:
        result = service.trigger_pdf_generation("Test_7", class_id, report_type, student_id=student_id, teacher_id=teacher_id)
        assert result["success"], result
        key = result["data"]["s3Key"]
        waited = 0
        if look_first and stack.object(key).status_code == 200:
            continue
        while waited < 300:
            time.sleep(POLL_SECONDS)
            waited += POLL_SECONDS
            if stack.object(key).status_code == 200:
                break
    return time.monotonic() - started


def fan_out(class_id: str) -> float:
    started = time.monotonic()
    outcome = trigger_bulk_pdf_generation.delay("Test_7", class_id, STUDENTS, ["TCH001"]).get(timeout=300)
    assert outcome["summary"]["text"] == "11/11", outcome["summary"]
    return time.monotonic() - started


def main() -> None:
    stack = LiveStack().start(with_celery=True)
    try:
        fan_out("WARMUP")
        celery = fan_out("CLASS_FANOUT")
        seed = seed_flow(stack, "CLASS_SEED", look_first=False)
        generous = seed_flow(stack, "CLASS_SEED_LOOK_FIRST", look_first=True)
    finally:
        stack.stop()
    print(f"Celery fan-out, no polling:          {celery:6.1f} s")
    print(f"seed flow (sleep 5 s, then look):    {seed:6.1f} s  → fan-out is {seed / celery:.1f}× faster")
    print(f"seed flow, generous (look first):    {generous:6.1f} s  → fan-out is {generous / celery:.1f}× faster")


if __name__ == "__main__":
    main()
