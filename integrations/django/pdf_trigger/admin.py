"""A read-only view of the batches on the default admin site: a results day's progress at a glance."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import PdfBatch


@admin.register(PdfBatch)
class PdfBatchAdmin(admin.ModelAdmin):
    list_display = ("class_id", "test_id", "state", "progress", "failed", "created_at", "finished_at")
    list_filter = ("state",)
    search_fields = ("class_id",)
    date_hierarchy = "created_at"
    readonly_fields = [field.name for field in PdfBatch._meta.fields]

    @admin.display(description="stored")
    def progress(self, batch: PdfBatch) -> str:
        return f"{batch.succeeded}/{batch.total}"

    # The rows mirror the service: staff read them, only the package writes them.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
