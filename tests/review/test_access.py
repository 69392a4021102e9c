"""Every review view × every role: allowed (200 or a redirect onward), 403, or off to log in."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import client_for

ROLES = ["anonymous", "member", "volunteer", "coordinator", "other_coordinator", "admin", "disabled"]

# Expected outcome per role, in ROLES order. "login": 302 to the login page; "next": 302 onward.
REVIEWERS = ["login", 403, 200, 200, 200, 200, "login"]
REVIEWERS_NEXT = ["login", 403, "next", "next", "next", "next", "login"]
DEPARTMENT_EDITORS_NEXT = ["login", 403, 403, "next", 403, "next", "login"]
COORDINATORS_AND_ADMINS = ["login", 403, 403, 200, 200, 200, "login"]
ADMINS_ONLY = ["login", 403, 403, 403, 403, 200, "login"]


def _target(scene, name: str):
    """(method, url, data) for each view, against the scene's rows."""
    department = scene["to_sort"].department
    face, officer = scene["face"], scene["officer"]
    return {
        "dashboard": ("get", reverse("review_dashboard"), None),
        "leaderboard": ("get", reverse("review_leaderboard"), None),
        "sort_next": ("get", reverse("review_sort_next", args=[department.slug]), None),
        "sort_show": ("get", reverse("review_sort", args=[scene["to_sort"].pk]), None),
        "sort_decide": ("post", reverse("review_sort", args=[scene["to_sort"].pk]), {"answer": "yes"}),
        "identify_next": ("get", reverse("review_identify_next", args=[department.slug]), None),
        "identify_show": ("get", reverse("review_identify", args=[face.pk]), None),
        "identify_decide": ("post", reverse("review_identify", args=[face.pk]), {"action": "civilian"}),
        "new_officer": (
            "post",
            reverse("review_new_officer", args=[face.pk]),
            {"first_name": "Sam", "last_name": "Reyes", "badge_number": "2002"},
        ),
        "gallery_show": ("get", reverse("review_gallery", args=[officer.pk]), None),
        "gallery_update": (
            "post",
            reverse("review_gallery", args=[officer.pk]),
            {"action": "feature", "face": scene["gallery_face"].pk},
        ),
        "decisions": ("get", reverse("review_decisions"), None),
        "undo": ("post", reverse("review_decision_undo", args=[scene["decision"].pk]), {}),
        "jurisdictions": ("get", reverse("review_jurisdictions"), None),
        "switch": (
            "post",
            reverse("review_jurisdiction_switch", args=[department.slug]),
            {"allowed": "false", "reason": "Council vote"},
        ),
        "photo": ("get", reverse("review_image_photo", args=[scene["to_sort"].pk]), None),
        "crop": ("get", reverse("review_face_crop", args=[face.pk]), None),
    }[name]


TABLE = {
    "dashboard": REVIEWERS,
    "leaderboard": REVIEWERS,
    "sort_next": REVIEWERS_NEXT,
    "sort_show": REVIEWERS,
    "sort_decide": REVIEWERS_NEXT,
    "identify_next": REVIEWERS_NEXT,
    "identify_show": REVIEWERS,
    "identify_decide": REVIEWERS_NEXT,
    "new_officer": DEPARTMENT_EDITORS_NEXT,
    "gallery_show": REVIEWERS,
    "gallery_update": REVIEWERS_NEXT,
    "decisions": COORDINATORS_AND_ADMINS,
    "undo": DEPARTMENT_EDITORS_NEXT,
    "jurisdictions": COORDINATORS_AND_ADMINS,
    "switch": ADMINS_ONLY,
    "photo": REVIEWERS,
    "crop": REVIEWERS,
}
CASES = [(view, role, expected[i]) for view, expected in TABLE.items() for i, role in enumerate(ROLES)]


@pytest.mark.parametrize(("view", "role", "expected"), CASES, ids=[f"{v}-{r}" for v, r, _ in CASES])
def test_each_role_gets_what_the_table_says(scene, users, view, role, expected):
    method, url, data = _target(scene, view)
    response = getattr(client_for(users[role]), method)(url, data or {})
    if expected == "login":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    elif expected == "next":
        assert response.status_code == 302
        assert not response["Location"].startswith(reverse("account_login"))
    else:
        assert response.status_code == expected, response.content[:500]


@pytest.mark.parametrize(
    "name",
    [
        "review_sort",
        "review_identify",
        "review_gallery",
        "review_image_photo",
        "review_face_crop",
        "review_decision_undo",
    ],
)
def test_it_answers_404_for_missing_items_to_reviewers_but_login_to_strangers(users, name):
    url = reverse(name, args=[987654321])
    method = "post" if name == "review_decision_undo" else "get"
    assert getattr(client_for(users["admin"]), method)(url).status_code == 404
    assert getattr(client_for(None), method)(url)["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("name", ["review_decision_undo", "review_new_officer"])
def test_it_refuses_get_on_post_only_views(scene, users, name):
    pk = scene["decision"].pk if name == "review_decision_undo" else scene["face"].pk
    assert client_for(users["admin"]).get(reverse(name, args=[pk])).status_code == 405


def test_a_get_on_the_switch_changes_nothing_and_leads_back_to_the_jurisdictions(users, allowed_department):
    # The confirmation page lives at the switch's address; a reload (or a refusal sent back
    # to it by oversight.middleware) starts over from the list instead of answering 405.
    url = reverse("review_jurisdiction_switch", args=[allowed_department.slug])
    response = client_for(users["admin"]).get(url)
    assert response.status_code == 302 and response["Location"] == reverse("review_jurisdictions")
    allowed_department.refresh_from_db()
    assert allowed_department.facial_recognition_allowed
    assert client_for(users["volunteer"]).get(url).status_code == 403


def test_an_unapproved_volunteer_is_told_they_wait_for_approval(users):
    from accounts.models import Profile

    Profile.objects.filter(user=users["volunteer"]).update(approved=False)
    response = client_for(users["volunteer"]).get(reverse("review_dashboard"))
    assert response.status_code == 403
    assert b"waiting for an administrator" in response.content


def test_a_coordinator_sees_only_their_own_department_on_the_jurisdiction_page(
    users, allowed_department, other_department
):
    page = client_for(users["other_coordinator"]).get(reverse("review_jurisdictions")).content.decode()
    assert other_department.name in page
    assert allowed_department.name not in page
    assert "Read-only" in page and "Turn off" not in page
