"""Django admin: the recognition flag is switched only through the policy, with a reason."""

from __future__ import annotations

import pytest
from django.urls import reverse

from departments import policy
from departments.models import Department, JurisdictionRule, RecognitionChange
from faces.models import Face, Image
from faces.services import recognition


@pytest.fixture
def admin_client_(admin_user, client):
    client.force_login(admin_user)
    return client


def test_a_department_created_in_the_admin_starts_with_recognition_off(admin_client_):
    response = admin_client_.post(
        reverse("admin:departments_department_add"),
        {
            "name": "Eugene PD",
            "slug": "eugene",
            "state": "OR",
            "facial_recognition_allowed": "on",
            "recognition_changes-TOTAL_FORMS": "0",
            "recognition_changes-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    department = Department.objects.get(slug="eugene")
    assert department.facial_recognition_allowed is False


def test_the_change_form_cannot_flip_the_flag_directly(admin_client_, disallowed_department):
    url = reverse("admin:departments_department_change", args=[disallowed_department.pk])
    page = admin_client_.get(url)
    assert b'name="facial_recognition_allowed"' not in page.content
    response = admin_client_.post(
        url,
        {
            "name": disallowed_department.name,
            "slug": disallowed_department.slug,
            "state": "CA",
            "facial_recognition_allowed": "on",
            "recognition_changes-TOTAL_FORMS": "0",
            "recognition_changes-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    assert policy.recognition_allowed(disallowed_department) is False
    assert not RecognitionChange.objects.exists()


def test_the_recognition_page_shows_the_consequences_and_requires_a_reason(admin_client_, allowed_department):
    image = Image.objects.create(
        file="originals/a.jpg", sha256="a" * 64, department=allowed_department, width=10, height=10
    )
    face = Face.objects.create(image=image, x=0, y=0, w=5, h=5, source="detector")
    Face.objects.filter(pk=face.pk).update(embedding=[0.1] * 128)
    url = reverse("admin:departments_department_recognition", args=[allowed_department.pk])
    page = admin_client_.get(url)
    assert page.status_code == 200
    assert b"deletes <strong>1</strong> stored face embeddings" in page.content

    refused = admin_client_.post(url, {"allowed": "false", "reason": "", "confirm": "on"})
    assert refused.status_code == 200
    assert policy.recognition_allowed(allowed_department) is True

    done = admin_client_.post(url, {"allowed": "false", "reason": "Council repealed it", "confirm": "on"})
    assert done.status_code == 302
    assert policy.recognition_allowed(allowed_department) is False
    assert Face.objects.get(pk=face.pk).embedding is None
    change = RecognitionChange.objects.get(department=allowed_department)
    assert (change.reason, change.purged_embeddings) == ("Council repealed it", 1)


def test_the_recognition_page_refuses_illinois_with_the_legal_reason(admin_client_, illinois_department):
    url = reverse("admin:departments_department_recognition", args=[illinois_department.pk])
    response = admin_client_.post(url, {"allowed": "true", "reason": "please", "confirm": "on"})
    assert response.status_code == 200
    assert b"cannot be enabled for departments in IL" in response.content
    assert policy.recognition_allowed(illinois_department) is False


def test_staff_without_permission_cannot_reach_the_recognition_page(client, allowed_department, django_user_model):
    staff = django_user_model.objects.create_user("staff", password="x-pass-123", is_staff=True)
    client.force_login(staff)
    response = client.post(
        reverse("admin:departments_department_recognition", args=[allowed_department.pk]),
        {"allowed": "false", "reason": "x", "confirm": "on"},
    )
    assert response.status_code == 403
    assert policy.recognition_allowed(allowed_department) is True


def test_saving_a_forbidding_rule_in_the_admin_turns_the_state_off(admin_client_):
    department = Department.objects.create(name="Austin PD", slug="austin", state="TX")
    Department.objects.filter(pk=department.pk).update(facial_recognition_allowed=True)
    response = admin_client_.post(
        reverse("admin:departments_jurisdictionrule_add"),
        {
            "state": "TX",
            "recognition_forbidden": "on",
            "legal_reason": "Texas CUBI",
        },
    )
    assert response.status_code == 302
    assert JurisdictionRule.objects.filter(state="TX").exists()
    assert policy.recognition_allowed(department) is False


def test_the_audit_trail_cannot_be_edited_in_the_admin(admin_client_, allowed_department, admin_user):
    recognition.department_set_recognition(allowed_department, allowed=False, actor=admin_user, reason="x")
    change = RecognitionChange.objects.get()
    assert admin_client_.get(reverse("admin:departments_recognitionchange_add")).status_code == 403
    assert (
        admin_client_.post(
            reverse("admin:departments_recognitionchange_delete", args=[change.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert RecognitionChange.objects.filter(pk=change.pk).exists()
