"""The refusals of problem reports, as the project's one domain error (oversight.exceptions)."""

from __future__ import annotations

from oversight.exceptions import Conflict, DomainError


class ReportError(DomainError):
    """A report that cannot be filed or resolved as asked; `field` names the input at fault."""

    code = "invalid_report"

    def __init__(self, message: str | None = None, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class ReportAlreadyResolved(Conflict):
    """Each resolution is final: a resolved report is never resolved again."""

    code = "report_resolved"
    default_message = "This report was already resolved; its outcome is final."


class ReportThrottled(DomainError):
    """Too many reports from one person or address for now (the form's and the API's limit)."""

    code = "throttled"
    status = 429

    def __init__(self, wait: float) -> None:
        minutes = max(1, round(wait / 60))
        super().__init__(
            "You have sent many reports in a short time. Nothing was stored; "
            f"please try again in about {minutes} minute(s)."
        )
        self.retry_after = max(1, int(wait))
