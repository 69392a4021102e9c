"""What the identify, group and sequence pages share: the officer search, the suggestions, a form's errors."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.http import HttpRequest

from departments.models import Department
from faces.models import MatchSuggestion
from faces.pipeline.search import confidence_label
from review import selectors
from review.forms import OfficerSearchForm


def officer_search(request: HttpRequest, department: Department) -> dict[str, Any]:
    """The context of review/_officer_search.html: the search form and the department's officers it finds."""
    search = OfficerSearchForm(request.GET or None)
    return {
        "search_form": search,
        "results": selectors.officer_search(department, search.cleaned_data["q"]) if search.is_valid() else [],
        "searched": search.is_valid() and bool(search.cleaned_data["q"]),
    }


def suggestion_items(suggestions: Iterable[MatchSuggestion]) -> list[dict[str, Any]]:
    """The items of review/_suggestions.html: each suggestion with its confidence in words."""
    return [{"suggestion": s, "confidence": confidence_label(s.distance)} for s in suggestions]


def form_errors(form: forms.BaseForm) -> list[str]:
    return [str(e) for errs in form.errors.values() for e in errs]
