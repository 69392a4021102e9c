"""The public transparency pages: the site's and each department's (aggregates only)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from accountability.chart import Series, legend, line_chart, swatch
from accountability.selectors_transparency import MEASURES, Transparency, transparency_report
from departments.models import Department
from departments.selectors import state_name

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


def _page(request: HttpRequest, report: Transparency, api_url: str) -> HttpResponse:
    return render(
        request,
        "accountability/transparency.html",
        {
            "report": report,
            "measures": MEASURES,
            "rows": [(row.month, [row.counts[m.key] for m in MEASURES]) for row in report.months[::-1]],
            "totals": [report.totals[m.key] for m in MEASURES],
            "summary": [(m, report.totals[m.key]) for m in MEASURES],
            "chart": _chart(report),
            "precision_percent": None if report.precision is None else round(report.precision * 100, 1),
            "api_url": api_url,
            "state_name": state_name(report.department.state) if report.department else "",
        },
    )


@require_GET
def site_transparency(request: HttpRequest) -> HttpResponse:
    return _page(request, transparency_report(), reverse("transparency_api"))


@require_GET
def department_transparency(request: HttpRequest, slug: str) -> HttpResponse:
    department = get_object_or_404(Department, slug=slug)
    return _page(request, transparency_report(department), reverse("department_transparency_api", args=[department.pk]))
