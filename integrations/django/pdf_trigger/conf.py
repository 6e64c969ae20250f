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
}
DEFAULTS: dict[str, Any] = {"TOKEN_ISSUER": "inzighted-backend", "READ_TIMEOUT": 90.0, "BATCH_FANOUT": False}
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
