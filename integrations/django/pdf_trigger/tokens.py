"""Short-lived report tokens: what the report page uses to read the report data while the service renders it."""

from __future__ import annotations

import time

import jwt
from django.conf import settings

from .conf import setting

REPORT_TOKEN_TTL_SECONDS = 10 * 60


def signing_key() -> str:
    """The key the service verifies user JWTs with (its JWT_SECRET): PDF_SERVICE['TOKEN_SECRET'].

    Falls back to SECRET_KEY only so old configurations keep working; ``manage.py check`` flags it.
    """
    return setting("TOKEN_SECRET") or settings.SECRET_KEY


def mint_report_token(
    *,
    class_id: str,
    test_id: str,
    report_type: str,
    student_id: str | None = None,
    teacher_id: str | None = None,
    now: int | None = None,
) -> str:
    """The seed's payload with the least privilege the page needs: `scope: report:read`, one class, one test,
    one `report_type`, valid for 10 minutes. Through the PDF service such a token opens only that report."""
    issued = int(time.time()) if now is None else now
    payload: dict[str, object] = {
        "class_id": class_id,
        "test_id": test_id,
        "report_type": report_type,
        "scope": "report:read",
        "iat": issued,
        "exp": issued + REPORT_TOKEN_TTL_SECONDS,
        "iss": setting("TOKEN_ISSUER"),
    }
    if report_type == "student":
        payload.update(user_id=student_id, user_type="student", student_id=student_id)
    elif report_type == "teacher":
        payload.update(user_id=teacher_id, user_type="teacher", teacher_id=teacher_id)
    else:
        # A class overall report belongs to no single user: a teacher-role reader that is nobody, never an admin.
        payload.update(user_id="pdf-service", user_type="teacher")
    return jwt.encode(payload, signing_key(), algorithm="HS256")
