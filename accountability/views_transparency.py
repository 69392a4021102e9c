"""The public transparency pages: the site's and each department's (aggregates only)."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from accountability.chart import Series, legend, line_chart, swatch
from accountability.selectors_transparency import MEASURES, Transparency, transparency_report
from departments.models import Department
from departments.selectors import state_name

# As long as the API's answers may be cached (accountability.api_transparency: max-age=60).
REPORT_CACHE_SECONDS = 60
# The lines of the chart (all measures are in the table beside it); at most seven stay readable.
CHARTED = (
    "photos_processed",
    "searches_run",
    "searches_refused",
    "suggestions_confirmed",
    "suggestions_rejected",
    "identifications_undone",
    "reports_received",
)


def _chart(report: Transparency) -> dict:
    labels = {m.key: m.label for m in MEASURES}
    series = [Series(labels[key], [row.counts[key] for row in report.months]) for key in CHARTED]
    where = report.department.name if report.department else "all departments"
    first, last = report.months[0].month, report.months[-1].month
    svg = line_chart(
        [row.month for row in report.months],
        series,
        title=f"Activity by month, {where}",
        desc=f"Monthly counts from {first:%B %Y} to {last:%B %Y}: "
        + "; ".join(f"{s.label} {sum(s.values)} in total" for s in series)
        + ". The table below gives every number.",
    )
    return {"svg": svg, "legend": [(entry, swatch(entry)) for entry in legend(series)]}


def _report_context(department: Department | None) -> dict[str, Any]:
    """Everything the page shows that the aggregate queries compute (the same for every reader)."""
    report = transparency_report(department)
    return {
        "report": report,
        "measures": MEASURES,
        "rows": [(row.month, [row.counts[m.key] for m in MEASURES]) for row in report.months[::-1]],
        "totals": [report.totals[m.key] for m in MEASURES],
        "summary": [(m, report.totals[m.key]) for m in MEASURES],
        "chart": _chart(report),
        "precision_percent": None if report.precision is None else round(report.precision * 100, 1),
        "state_name": state_name(department.state) if department else "",
    }


def _page(request: HttpRequest, department: Department | None, api_url: str) -> HttpResponse:
    # The report, not the HTML, is cached: the page around it differs by reader (the account
    # menu, the CSRF token), and a flood of requests still runs the aggregate queries once a minute.
    key = f"transparency:report:{department.pk if department else 'site'}"
    context: dict[str, Any] | None = cache.get(key)
    if context is None:
        context = _report_context(department)
        cache.set(key, context, REPORT_CACHE_SECONDS)
    return render(request, "accountability/transparency.html", {**context, "api_url": api_url})


@require_GET
def site_transparency(request: HttpRequest) -> HttpResponse:
    return _page(request, None, reverse("transparency_api"))


@require_GET
def department_transparency(request: HttpRequest, slug: str) -> HttpResponse:
    department = get_object_or_404(Department, slug=slug)
    return _page(request, department, reverse("department_transparency_api", args=[department.pk]))
