"""The administrators' jurisdiction page: states, rules, audit, and the two-step switch."""

from __future__ import annotations

from django.urls import reverse

from departments.models import Department, JurisdictionRule, RecognitionChange
from faces.models import Face, MatchSuggestion
from tests.conftest import client_for


def _switch(user, department, **data):
    return client_for(user).post(reverse("review_jurisdiction_switch", args=[department.slug]), data)


def test_the_page_shows_each_department_its_state_and_the_rules(
    users, allowed_department, illinois_department, disallowed_department
):
    page = client_for(users["admin"]).get(reverse("review_jurisdictions")).content.decode()
    for department in (allowed_department, illinois_department, disallowed_department):
        assert department.name in page
    rule = JurisdictionRule.objects.get(state="IL")
    assert f"Forbidden in IL: {rule.legal_reason}" in page
    assert "Cannot be enabled: forbidden by the IL rule" in page
    assert "Audit history" in page


def test_illinois_cannot_be_enabled_and_says_why(users, illinois_department):
    response = _switch(users["admin"], illinois_department, allowed="true", reason="Pilot")
    assert response.status_code == 400
    reason = JurisdictionRule.objects.get(state="IL").legal_reason
    assert f"cannot be enabled for departments in IL: {reason}" in response.content.decode()
    # Even a forged confirmation is refused, by the policy itself.
    response = _switch(users["admin"], illinois_department, allowed="true", reason="Pilot", confirm="on")
    assert response.status_code == 400
    assert f"cannot be enabled for departments in IL: {reason}" in response.content.decode()
    assert not Department.objects.get(pk=illinois_department.pk).facial_recognition_allowed
    assert not RecognitionChange.objects.exists()


def test_a_reason_is_required(users, allowed_department):
    response = _switch(users["admin"], allowed_department, allowed="false", reason="   ", confirm="on")
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    assert Department.objects.get(pk=allowed_department.pk).facial_recognition_allowed


def test_disabling_shows_what_will_be_purged_then_purges_and_audits(users, upload, allowed_department, officer):
    first = upload("obama_1.jpg", allowed_department).faces.get()
    from faces.services.review import face_identify

    face_identify(first, officer=officer, actor=users["volunteer"])
    second = upload("obama_2.jpg", allowed_department).faces.get()
    assert MatchSuggestion.objects.filter(face=second, status="pending").count() == 1
    embedded = Face.objects.filter(embedding__isnull=False).count()
    assert embedded == 2

    preview = _switch(users["admin"], allowed_department, allowed="false", reason="Council vote")
    assert preview.status_code == 200
    text = preview.content.decode()
    assert "delete <strong>2</strong> stored face embeddings" in text
    assert "withdraw <strong>1</strong> pending suggestion" in text
    assert Face.objects.filter(embedding__isnull=False).count() == 2  # nothing happened yet

    done = _switch(users["admin"], allowed_department, allowed="false", reason="Council vote", confirm="on")
    assert done.status_code == 302 and done["Location"] == reverse("review_jurisdictions")
    assert Face.objects.filter(embedding__isnull=False).count() == 0
    assert MatchSuggestion.objects.get(face=second).status == MatchSuggestion.Status.WITHDRAWN
    change = RecognitionChange.objects.get()
    assert (change.allowed, change.actor, change.reason) == (False, users["admin"], "Council vote")
    assert (change.purged_embeddings, change.withdrawn_suggestions) == (2, 1)
    page = client_for(users["admin"]).get(reverse("review_jurisdictions")).content.decode()
    assert "Council vote" in page and "2 embeddings, 1 suggestion" in page


def test_enabling_shows_the_backfill_and_its_progress(
    users, upload, disallowed_department, django_capture_on_commit_callbacks
):
    upload("obama_1.jpg", disallowed_department)
    upload("biden_1.jpg", disallowed_department)
    assert not Face.objects.filter(embedding__isnull=False).exists()
    preview = _switch(users["admin"], disallowed_department, allowed="true", reason="State law allows it")
    assert "backfill will process the 2 faces" in preview.content.decode()

    # The backfill is queued after commit; until it runs, the page shows it as in progress.
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _switch(users["admin"], disallowed_department, allowed="true", reason="State law allows it", confirm="on")
    page = client_for(users["admin"]).get(reverse("review_jurisdictions")).content.decode()
    assert "0 of 2 faces embedded, 2 without an embedding" in page
    for callback in callbacks:
        callback()
    assert Face.objects.filter(embedding__isnull=False).count() == 2
    change = RecognitionChange.objects.get()
    assert change.allowed and change.backfill_done_at is not None
    page = client_for(users["admin"]).get(reverse("review_jurisdictions")).content.decode()
    assert "faces embedded" not in page and "done " in page


def test_coordinators_read_their_department_without_a_switch(users, allowed_department, other_department):
    page = client_for(users["coordinator"]).get(reverse("review_jurisdictions")).content.decode()
    assert allowed_department.name in page and other_department.name not in page
    assert "review_jurisdiction_switch" not in page and "/switch/" not in page
    response = _switch(users["coordinator"], allowed_department, allowed="false", reason="x", confirm="on")
    assert response.status_code == 403
    assert Department.objects.get(pk=allowed_department.pk).facial_recognition_allowed
