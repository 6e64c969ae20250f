"""Django glue for the PDF report service: trigger renders, mint report tokens, fan out with Celery."""

from .service import PDFTriggerService, ReportType
from .tokens import mint_report_token

__all__ = ["PDFTriggerService", "ReportType", "mint_report_token"]
