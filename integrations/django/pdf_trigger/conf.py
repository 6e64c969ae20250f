"""The package's settings, read from one namespace with the design note's flat names as fallbacks.

    PDF_SERVICE = {
        "URL": "http://pdf-service:8080",          # or PDF_SERVICE_URL
        "INTERNAL_TOKEN": "...",                   # or PDF_SERVICE_INTERNAL_TOKEN (>= 32 characters)
        "FRONTEND_ORIGIN": "https://school.example.com",   # or DEFAULT_FRONTEND_ORIGIN
        "TOKEN_SECRET": "...",                     # or PDF_REPORT_TOKEN_SECRET: the service's JWT_SECRET
        "TOKEN_ISSUER": "inzighted-backend",       # or PDF_REPORT_TOKEN_ISSUER
        "READ_TIMEOUT": 90,                        # or PDF_SERVICE_READ_TIMEOUT (seconds)
        "CALLBACK_SECRET": "...",                  # or PDF_SERVICE_CALLBACK_SECRET (default: INTERNAL_TOKEN)
        "BATCH_FANOUT": False,                     # or PDF_SERVICE_BATCH_FANOUT
        "CALLBACK_URL": "https://backend.example.com/pdf-batches/callback",  # or PDF_SERVICE_CALLBACK_URL
        "POLL_TIMEOUT": 1800,                      # or PDF_SERVICE_POLL_TIMEOUT (seconds a wait polls at most)
        "POLL_INTERVAL": 2,                        # or PDF_SERVICE_POLL_INTERVAL (seconds between two polls)
        "BATCH_MAX_RETRIES": 8,                    # or PDF_SERVICE_BATCH_MAX_RETRIES
        "BATCH_RETRY_BACKOFF": 5,                  # or PDF_SERVICE_BATCH_RETRY_BACKOFF (first delay, doubling)
        "BATCH_RETRY_BACKOFF_MAX": 300,            # or PDF_SERVICE_BATCH_RETRY_BACKOFF_MAX (longest delay)
    }
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

_FLAT = {
    "URL": "PDF_SERVICE_URL",
    "INTERNAL_TOKEN": "PDF_SERVICE_INTERNAL_TOKEN",
    "FRONTEND_ORIGIN": "DEFAULT_FRONTEND_ORIGIN",
    "TOKEN_SECRET": "PDF_REPORT_TOKEN_SECRET",
    "TOKEN_ISSUER": "PDF_REPORT_TOKEN_ISSUER",
    "READ_TIMEOUT": "PDF_SERVICE_READ_TIMEOUT",
    "CALLBACK_SECRET": "PDF_SERVICE_CALLBACK_SECRET",
    "BATCH_FANOUT": "PDF_SERVICE_BATCH_FANOUT",
    "CALLBACK_URL": "PDF_SERVICE_CALLBACK_URL",
    "POLL_TIMEOUT": "PDF_SERVICE_POLL_TIMEOUT",
    "POLL_INTERVAL": "PDF_SERVICE_POLL_INTERVAL",
    "BATCH_MAX_RETRIES": "PDF_SERVICE_BATCH_MAX_RETRIES",
    "BATCH_RETRY_BACKOFF": "PDF_SERVICE_BATCH_RETRY_BACKOFF",
    "BATCH_RETRY_BACKOFF_MAX": "PDF_SERVICE_BATCH_RETRY_BACKOFF_MAX",
}
DEFAULTS: dict[str, Any] = {
    "TOKEN_ISSUER": "inzighted-backend",
    "READ_TIMEOUT": 90.0,
    "BATCH_FANOUT": False,
    # A class with a callback URL never polls; without one, a wait gives up after half an hour.
    "POLL_TIMEOUT": 1800.0,
    "POLL_INTERVAL": 2.0,
    # 5 s doubling to 300 s, full jitter: about a quarter of an hour of outage before a class fails.
    "BATCH_MAX_RETRIES": 8,
    "BATCH_RETRY_BACKOFF": 5,
    "BATCH_RETRY_BACKOFF_MAX": 300,
}
MIN_INTERNAL_TOKEN_LENGTH = 32


def setting(name: str) -> Any:
    """``PDF_SERVICE[name]``, else the flat setting, else the package default (None when there is none)."""
    namespaced = getattr(settings, "PDF_SERVICE", None) or {}
    if name in namespaced and namespaced[name] not in (None, ""):
        return namespaced[name]
    flat = getattr(settings, _FLAT[name], None)
    if flat not in (None, ""):
        return flat
    return DEFAULTS.get(name)


def token_secret() -> str | None:
    """The key report tokens are signed with: TOKEN_SECRET (the service's JWT_SECRET)."""
    return setting("TOKEN_SECRET")
