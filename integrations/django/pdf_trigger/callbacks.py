"""The batch callback: a Django view that verifies the PDF service's signature and announces the batch.

Wire it in your urls.py::

    from pdf_trigger.callbacks import batch_callback
    urlpatterns = [path("pdf-batches/callback", batch_callback)]

and connect to ``report_pdfs_ready`` wherever you want to react (mark the test's PDFs ready, notify users).
Delivery is at least once: dedupe by ``payload["batchId"]``. Each delivery also updates the batch's
``PdfBatch`` row (the admin's view of it).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time

from django.dispatch import Signal
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .conf import setting
from .models import PdfBatch

#: Sent once per delivered callback, with ``payload`` = the batch status (``batchId``, ``state``, ``total``,
#: ``succeeded``, ``failed``, ``failures`` [{s3Key, error}], ...).
report_pdfs_ready = Signal()

MAX_SKEW_SECONDS = 300
#: Unix seconds as the service sends them: digits only, and few enough that ``int()`` and the clock math are cheap.
TIMESTAMP = re.compile(r"[0-9]{1,12}")


def callback_secret() -> str:
    """The service's CALLBACK_SECRET: ``PDF_SERVICE['CALLBACK_SECRET']``, else the internal token (its default)."""
    return str(setting("CALLBACK_SECRET") or setting("INTERNAL_TOKEN") or "")


def signature_is_valid(body: bytes, timestamp: str, signature: str, *, now: float | None = None) -> bool:
    """``X-PDF-Signature`` must be ``sha256=HMAC(secret, "<timestamp>.<body>")`` and the timestamp recent.

    Fails closed: with no secret configured nothing is valid (an HMAC with the empty key proves nothing), and a
    timestamp that is not a sane integer is refused before any arithmetic.
    """
    secret = callback_secret()
    if not secret or not TIMESTAMP.fullmatch(timestamp):
        return False
    sent = int(timestamp)
    if abs((time.time() if now is None else now) - sent) > MAX_SKEW_SECONDS:
        return False
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(f"sha256={expected}", signature)


@csrf_exempt
@require_POST
def batch_callback(request: HttpRequest) -> HttpResponse:
    timestamp = request.headers.get("X-PDF-Timestamp", "")
    signature = request.headers.get("X-PDF-Signature", "")
    if not signature_is_valid(request.body, timestamp, signature):
        return JsonResponse({"detail": "bad or stale signature"}, status=401)
    try:
        payload = json.loads(request.body)
    except ValueError:
        return JsonResponse({"detail": "body is not JSON"}, status=400)
    if not isinstance(payload, dict) or not isinstance(payload.get("batchId"), str):
        return JsonResponse({"detail": "body names no batchId"}, status=400)
    # Recorded before the signal: a failure here is a 500, and the service delivers the callback again.
    PdfBatch.record(payload)
    report_pdfs_ready.send(sender=batch_callback, payload=payload)
    return JsonResponse({"received": payload.get("batchId")})
