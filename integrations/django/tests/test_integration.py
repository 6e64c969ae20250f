"""Against the real service (built, s3 driver on s3rver, the sample frontend), with a real Celery worker on a
real Redis broker: what the Django backend will do in production."""

import subprocess

import pytest
import requests

from pdf_trigger import PDFTriggerService
from pdf_trigger.tasks import trigger_bulk_pdf_generation
from tests.live_stack import LiveStack


def pdf_text(pdf: bytes) -> str:
    return subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()


@pytest.fixture(scope="module")
def stack():
    live = LiveStack().start(with_celery=True)
    yield live
    live.stop()


class CountingSession(requests.Session):
    def __init__(self) -> None:
        super().__init__()
        self.posts = 0

    def post(self, *args, **kwargs):
        self.posts += 1
        return super().post(*args, **kwargs)


def test_a_student_report_is_stored_at_the_returned_key(stack):
    result = PDFTriggerService().trigger_pdf_generation("Test_5", "CLASS_DJ", "student", student_id="STU001")
    assert result["success"] is True, result
    assert result["data"]["s3Key"] == "reports/CLASS_DJ/Test_5/students/STU001.pdf"
    stored = stack.object(result["data"]["s3Key"])
    assert stored.status_code == 200
    assert stored.content[:5] == b"%PDF-"
    text = pdf_text(stored.content)
    assert "Report for STU001" in text
    assert "Viewer STU001" in text  # rendered with the token Django minted


def test_a_class_fans_out_through_celery_and_every_pdf_is_stored(stack):
    students = [f"STU{index:03d}" for index in range(1, 11)]
    outcome = trigger_bulk_pdf_generation.delay(
        "Test_7", "CLASS_BULK", students, ["TCH001"], fan_out=True
    ).get(timeout=300)
    assert outcome["summary"] == {"total": 11, "successful": 11, "failed": 0, "text": "11/11"}
    assert outcome["success"] is True
    keys = sorted(result["data"]["s3Key"] for result in outcome["results"])
    assert keys == sorted(
        [f"reports/CLASS_BULK/Test_7/students/{student}.pdf" for student in students]
        + ["reports/CLASS_BULK/Test_7/teacher_TCH001.pdf"]
    )
    for key in keys:
        stored = stack.object(key)
        assert stored.status_code == 200 and stored.content[:5] == b"%PDF-", key


def test_a_class_is_one_batch_through_celery_with_the_overall_report(stack):
    students = [f"BAT{index:03d}" for index in range(1, 6)]
    outcome = trigger_bulk_pdf_generation.delay(
        "Test_8", "CLASS_BATCH", students, ["TCH002"], include_overall=True
    ).get(timeout=300)
    assert outcome["summary"] == {"total": 7, "successful": 7, "failed": 0, "text": "7/7"}, outcome
    assert outcome["batch_id"]
    for key in ("reports/CLASS_BATCH/Test_8/students/BAT001.pdf", "reports/CLASS_BATCH/Test_8/overall.pdf"):
        assert stack.object(key).status_code == 200


def test_the_management_command_waits_for_its_batch(stack, capsys):
    from django.core.management import call_command

    call_command("pregenerate_reports", "--class", "CLASS_CMD", "--test", "3", "--students", "C1", "C2", "--wait")
    output = capsys.readouterr().out
    assert "completed: 2/2 stored, 0 failed" in output
    assert stack.object("reports/CLASS_CMD/Test_3/students/C2.pdf").status_code == 200


def test_a_wrong_internal_token_is_reported_and_not_retried(stack):
    session = CountingSession()
    service = PDFTriggerService(internal_token="not-the-shared-token-at-all-0000", session=session)
    result = service.trigger_pdf_generation("Test_5", "CLASS_DJ", "student", student_id="STU002")
    assert result == {
        "success": False,
        "error": "missing or wrong X-Service-Auth",
        "status_code": 401,
        "transient": False,
        "reason": "unauthenticated",
    }
    assert session.posts == 1
    assert stack.object("reports/CLASS_DJ/Test_5/students/STU002.pdf").status_code == 404
