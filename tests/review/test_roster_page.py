"""The roster import page: upload → preview (nothing written) → apply (once) → result."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from departments.models import Assignment, Officer, RecordChange, RosterUpload
from departments.services.roster_uploads import roster_upload_preview
from tests import factories
from tests.conftest import client_for

ROLES = ["anonymous", "member", "volunteer", "coordinator", "other_coordinator", "admin", "disabled"]
ROSTER = (
    "employee_id,badge_number,first_name,last_name,rank,unit\n"
    "E-1,1001,Ana,Ruiz,Officer,Patrol\n"
    'E-2,1002,"Okafor, Jr.",Ben,Sergeant,Traffic\n'
)
EFFECTIVE = datetime.date(2024, 7, 1)

# Expected outcome per role, in ROLES order. "login": 302 to the login page; "next": 302 onward.
EDITORS_PAGE = ["login", 403, 403, 200, 403, 200, "login"]
EDITORS_NEXT = ["login", 403, 403, "next", 403, "next", "login"]


def csv_upload(content: str | bytes, name: str = "roster.csv") -> SimpleUploadedFile:
    data = content.encode("utf-8") if isinstance(content, str) else content
    return SimpleUploadedFile(name, data, content_type="text/csv")


def preview_post(client, department, content: str | bytes, *, effective: datetime.date = EFFECTIVE, name="roster.csv"):
    return client.post(
        reverse("review_roster_upload", args=[department.slug]),
        {"file": csv_upload(content, name), "effective_date": effective.isoformat()},
    )


@pytest.fixture
def stored(users, allowed_department) -> RosterUpload:
    """A previewed, not yet applied upload by the department's coordinator."""
    report, upload = roster_upload_preview(
        allowed_department, csv_upload(ROSTER), actor=users["coordinator"], effective_date=EFFECTIVE
    )
    assert report.ok and upload is not None
    return upload


def _request(view: str, client, department, stored: RosterUpload):
    if view == "upload_page":
        return client.get(reverse("review_roster_upload", args=[department.slug]))
    if view == "preview":
        return preview_post(client, department, ROSTER)
    if view == "preview_page":
        return client.get(reverse("review_roster", args=[stored.pk]))
    return client.post(reverse("review_roster", args=[stored.pk]))


TABLE = {"upload_page": EDITORS_PAGE, "preview": EDITORS_NEXT, "preview_page": EDITORS_PAGE, "apply": EDITORS_NEXT}
CASES = [(view, role, expected[i]) for view, expected in TABLE.items() for i, role in enumerate(ROLES)]


@pytest.mark.parametrize(("view", "role", "expected"), CASES, ids=[f"{v}-{r}" for v, r, _ in CASES])
def test_each_role_gets_what_the_table_says(users, allowed_department, stored, view, role, expected):
    response = _request(view, client_for(users[role]), allowed_department, stored)
    if expected == "login":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    elif expected == "next":
        assert response.status_code == 302
        assert response["Location"].startswith("/review/roster/")
    else:
        assert response.status_code == expected, response.content[:500]
    stored.refresh_from_db()
    applied = view == "apply" and expected == "next"
    assert (stored.applied_at is not None) == applied
    assert Officer.objects.count() == (2 if applied else 0)


def test_an_unapproved_member_is_told_they_wait_for_approval(users, allowed_department):
    from accounts.models import Profile

    Profile.objects.filter(user=users["volunteer"]).update(approved=False)
    response = client_for(users["volunteer"]).get(reverse("review_roster_upload", args=[allowed_department.slug]))
    assert response.status_code == 403 and b"waiting for an administrator" in response.content


def test_the_pages_answer_404_for_a_missing_department_or_upload(users):
    admin = client_for(users["admin"])
    assert admin.get(reverse("review_roster_upload", args=["no-such-department"])).status_code == 404
    assert admin.get(reverse("review_roster", args=[987654321])).status_code == 404
    assert admin.post(reverse("review_roster", args=[987654321])).status_code == 404


def test_the_upload_page_offers_today_as_the_effective_date(users, allowed_department):
    from django.utils import timezone

    page = client_for(users["coordinator"]).get(reverse("review_roster_upload", args=[allowed_department.slug]))
    assert f'value="{timezone.localdate().isoformat()}"' in page.content.decode()


def test_the_preview_shows_the_counts_and_the_new_officers_and_writes_nothing(users, allowed_department):
    client = client_for(users["coordinator"])
    response = preview_post(client, allowed_department, ROSTER.replace("unit\n", "unit,notes\n"))
    assert response.status_code == 302
    upload = RosterUpload.objects.get()
    assert response["Location"] == reverse("review_roster", args=[upload.pk])
    assert not Officer.objects.exists() and not RecordChange.objects.exists()
    assert upload.applied_at is None and upload.uploaded_by == users["coordinator"]
    assert upload.effective_date == EFFECTIVE and len(upload.sha256) == 64
    assert default_storage.exists(upload.file.name)

    page = client.get(response["Location"]).content.decode()
    assert "Nothing has been written yet" in page
    assert 'data-count="created">2<' in page
    assert "<code>notes</code>" in page  # the unknown column, named
    assert "Okafor, Jr." in page and "Apply this roster" in page


def test_the_preview_shows_each_changed_field_before_and_after(users, allowed_department, stored):
    client = client_for(users["coordinator"])
    client.post(reverse("review_roster", args=[stored.pk]))
    changed = ROSTER.replace("E-1,1001,Ana,Ruiz,Officer,Patrol", "E-1,1001,Ana,Ruiz,Sergeant,Homicide")
    response = preview_post(client, allowed_department, changed, effective=datetime.date(2025, 1, 1))
    page = client.get(response["Location"]).content.decode()
    assert 'data-count="updated">1<' in page and 'data-count="unchanged">1<' in page
    assert 'data-count="assignments">1<' in page
    assert '<td class="roster-before">Officer</td>' in page and '<td class="roster-after">Sergeant</td>' in page
    assert '<td class="roster-before">Patrol</td>' in page and '<td class="roster-after">Homicide</td>' in page
    assert Officer.objects.get(employee_id="E-1").rank == "Officer"  # still only a preview


def test_applying_imports_the_stored_file_and_shows_the_result(users, allowed_department, stored):
    client = client_for(users["coordinator"])
    response = client.post(reverse("review_roster", args=[stored.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("review_roster", args=[stored.pk])
    stored.refresh_from_db()
    assert stored.applied_at is not None and stored.applied_by == users["coordinator"]
    assert stored.report["applied"] and stored.report["created"] == 2
    assert set(Officer.objects.values_list("last_name", flat=True)) == {"Ruiz", "Ben"}
    assert set(Assignment.objects.values_list("start_date", flat=True)) == {EFFECTIVE}
    audit = RecordChange.objects.get(what="roster.import")
    assert audit.actor == users["coordinator"] and audit.after["effective_date"] == EFFECTIVE.isoformat()

    page = client.get(response["Location"]).content.decode()
    assert "Roster imported" in page
    assert reverse("department_detail", args=[allowed_department.slug]) in page
    assert "Apply this roster" not in page


def test_applying_twice_imports_once_and_shows_the_first_result(users, allowed_department, stored):
    url = reverse("review_roster", args=[stored.pk])
    client_for(users["coordinator"]).post(url)
    applied_at = RosterUpload.objects.get().applied_at
    second = client_for(users["admin"]).post(url, follow=True)
    assert second.status_code == 200
    assert "already applied" in second.content.decode()
    assert RecordChange.objects.filter(what="roster.import").count() == 1
    assert Officer.objects.count() == 2 and Assignment.objects.count() == 2
    stored.refresh_from_db()
    assert stored.applied_at == applied_at and stored.applied_by == users["coordinator"]


def test_another_departments_coordinator_cannot_apply_or_see_an_upload(users, allowed_department, stored):
    client = client_for(users["other_coordinator"])
    assert client.get(reverse("review_roster", args=[stored.pk])).status_code == 403
    assert client.post(reverse("review_roster", args=[stored.pk])).status_code == 403
    stored.refresh_from_db()
    assert stored.applied_at is None and not Officer.objects.exists()


def test_the_apply_rechecks_the_roster_as_it_is_now_and_writes_nothing_if_it_no_longer_fits(
    users, allowed_department, stored
):
    # Since the preview someone gave badge 1001 to another officer: the file's new officer collides.
    factories.officer(allowed_department, badge_number="1001", last_name="Stone", employee_id="E-9")
    response = client_for(users["coordinator"]).post(reverse("review_roster", args=[stored.pk]))
    assert response.status_code == 409
    page = response.content.decode()
    assert "nothing was written" in page and "badge 1001 belongs to another officer" in page
    stored.refresh_from_db()
    assert stored.applied_at is None and Officer.objects.count() == 1
    assert not RecordChange.objects.filter(what="roster.import").exists()


def test_a_stored_file_changed_after_the_preview_is_refused(users, allowed_department, stored):
    with default_storage.open(stored.file.name, "wb") as handle:
        handle.write(ROSTER.replace("Ana", "Eve").encode())
    response = client_for(users["coordinator"]).post(reverse("review_roster", args=[stored.pk]))
    assert response.status_code == 409 and b"not the one previewed" in response.content
    assert not Officer.objects.exists()


# --- Hostile files: the import's own errors on the page; nothing kept, nothing written ----------------
HOSTILE = [
    ("nul_byte", "badge_number,first_name,last_name\n1,A\x00na,Ruiz\n", ["line 2", "first_name", "control character"]),
    ("binary", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe\xfd" * 50, ["line 1", "not UTF-8"]),
    ("latin_1", "badge_number,first_name,last_name\n1,José,Muñoz\n".encode("latin-1"), ["line 2", "not UTF-8"]),
    ("empty", b"", ["line 1", "the file is empty"]),
    ("no_key_column", "first_name,last_name\nAna,Ruiz\n", ["neither employee_id nor badge_number"]),
    ("unclosed_quote", 'badge_number,first_name,last_name\n1,"Ana,Ruiz\n' + "x" * 200_000, ["malformed"]),
    ("bad_date", "badge_number,first_name,last_name,employment_date\n1,Ana,Ruiz,31/31/2020\n", ["employment_date"]),
    ("too_many_fields", "badge_number,first_name,last_name\n1,Ana,Ruiz,extra\n", ["line 2", "has 4 fields"]),
]


@pytest.mark.parametrize(("content", "expected"), [(c, e) for _, c, e in HOSTILE], ids=[i for i, _, _ in HOSTILE])
def test_a_bad_file_gets_its_errors_on_the_page_and_nothing_is_kept(users, allowed_department, content, expected):
    response = preview_post(client_for(users["coordinator"]), allowed_department, content)
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="roster-errors"' in page and "nothing was written" in page
    for fragment in expected:
        # "line 2" is the first cell of the error's row in the table.
        shown = f"<td>{fragment.removeprefix('line ')}</td>" if fragment.startswith("line ") else fragment
        assert shown in page, fragment
    assert not RosterUpload.objects.exists() and not Officer.objects.exists()


def test_the_page_names_the_line_and_column_of_each_error(users, allowed_department):
    content = "badge_number,first_name,last_name,birth_year\n1,Ana,Ruiz,1975\n2,Ben,Cole,19x5\n3,,,\n4,Eve,Ng,1980\n"
    response = preview_post(client_for(users["coordinator"]), allowed_department, content)
    page = response.content.decode()
    assert "<td>3</td><td><code>birth_year</code></td>" in page
    assert "not a plausible birth year" in page


def test_a_file_over_the_size_limit_gets_a_clear_error(users, allowed_department, settings):
    settings.ROSTER_MAX_BYTES = 1024
    response = preview_post(client_for(users["coordinator"]), allowed_department, ROSTER + "x" * 2000)
    assert response.status_code == 400
    assert "larger than the 1024 bytes limit" in response.content.decode()
    assert not RosterUpload.objects.exists()


def test_the_size_limit_holds_even_when_the_upload_hides_its_size(allowed_department, users, settings):
    from departments.services.roster_uploads import RosterTooLarge

    settings.ROSTER_MAX_BYTES = 100
    upload = csv_upload(ROSTER * 10)
    upload.size = None
    with pytest.raises(RosterTooLarge):
        roster_upload_preview(allowed_department, upload, actor=users["coordinator"])


def test_a_header_only_file_previews_nothing_to_import(users, allowed_department):
    client = client_for(users["coordinator"])
    response = preview_post(client, allowed_department, "employee_id,badge_number,first_name,last_name\r\n")
    page = client.get(response["Location"]).content.decode()
    assert "nothing to import" in page and "Apply this roster" not in page
    assert not Officer.objects.exists()


def test_formula_like_cells_are_shown_and_stored_as_plain_text(users, allowed_department):
    hostile = '=HYPERLINK("http://evil.example","<b>x</b>")'
    content = f'badge_number,first_name,last_name\n1,"{hostile.replace(chr(34), chr(34) * 2)}",@SUM(A1)\n2,+1+1,-2\n'
    client = client_for(users["coordinator"])
    response = preview_post(client, allowed_department, content)
    page = client.get(response["Location"]).content.decode()
    assert "<b>x</b>" not in page and "&lt;b&gt;x&lt;/b&gt;" in page  # escaped, never markup
    client.post(response["Location"])
    assert Officer.objects.get(badge_number="1").first_name == hostile
    assert Officer.objects.get(badge_number="2").last_name == "-2"


def test_a_hostile_file_name_is_only_displayed(users, allowed_department):
    client = client_for(users["coordinator"])
    response = preview_post(client, allowed_department, ROSTER, name="../../etc/<script>x</script>.csv")
    upload = RosterUpload.objects.get()
    assert upload.file.name.startswith("rosters/") and ".." not in upload.file.name
    page = client.get(response["Location"]).content.decode()
    assert "<script>x</script>" not in page


def test_the_form_refuses_a_missing_file_or_a_wild_date(users, allowed_department):
    client = client_for(users["coordinator"])
    url = reverse("review_roster_upload", args=[allowed_department.slug])
    assert client.post(url, {"effective_date": "2024-01-01"}).status_code == 400
    response = preview_post(client, allowed_department, ROSTER, effective=datetime.date(2204, 1, 1))
    assert response.status_code == 400 and "too far from today" in response.content.decode()
    assert not RosterUpload.objects.exists()


def test_the_dashboard_links_coordinators_to_their_own_roster_page_only(users, allowed_department, other_department):
    own = reverse("review_roster_upload", args=[allowed_department.slug])
    other = reverse("review_roster_upload", args=[other_department.slug])
    page = client_for(users["coordinator"]).get(reverse("review_dashboard")).content.decode()
    assert own in page and other not in page
    admin_page = client_for(users["admin"]).get(reverse("review_dashboard")).content.decode()
    assert own in admin_page and other in admin_page
    volunteer_page = client_for(users["volunteer"]).get(reverse("review_dashboard")).content.decode()
    assert "Import roster" not in volunteer_page


def test_a_long_preview_says_that_only_the_first_changes_are_listed(users, allowed_department):
    rows = "".join(f"{n},First{n},Last{n}\n" for n in range(1, 1102))
    client = client_for(users["admin"])
    response = preview_post(client, allowed_department, "badge_number,first_name,last_name\n" + rows)
    page = client.get(response["Location"]).content.decode()
    assert 'data-count="created">1101<' in page
    assert "Only the first 1000 changed or new officers are listed" in page


def test_an_apply_after_the_roster_changed_shows_the_new_preview_with_409_and_writes_nothing(users, allowed_department):
    from departments.services import officer_update

    client = client_for(users["coordinator"])
    client.post(reverse("review_roster", args=[preview_post(client, allowed_department, ROSTER).url.split("/")[-2]]))
    renamed = preview_post(client, allowed_department, ROSTER.replace("Ruiz", "Ruiz-Vega"))
    officer_update(Officer.objects.get(employee_id="E-1"), actor=users["coordinator"], first_name="Anna")
    response = client.post(renamed["Location"])
    assert response.status_code == 409
    page = response.content.decode()
    assert 'id="roster-changed"' in page and "Review the new preview below and apply again" in page
    assert "Anna" in page and "Apply this roster" in page
    assert Officer.objects.get(employee_id="E-1").first_name == "Anna"
    assert client.post(renamed["Location"]).status_code == 302
    assert Officer.objects.get(employee_id="E-1").last_name == "Ruiz-Vega"


def test_an_expired_preview_says_so_and_cannot_be_applied(users, allowed_department, stored, settings):
    from django.utils import timezone

    from departments.services.roster_uploads import roster_previews_prune

    RosterUpload.objects.filter(pk=stored.pk).update(created_at=timezone.now() - datetime.timedelta(days=30))
    assert roster_previews_prune() == 1
    client = client_for(users["coordinator"])
    page = client.get(reverse("review_roster", args=[stored.pk]))
    assert page.status_code == 200 and 'id="roster-expired"' in page.content.decode()
    assert "Apply this roster" not in page.content.decode()
    refused = client.post(reverse("review_roster", args=[stored.pk]))
    assert refused.status_code == 409 and "expired" in refused.content.decode()
    assert not Officer.objects.exists()
    upload_page = client.get(reverse("review_roster_upload", args=[allowed_department.slug])).content.decode()
    assert "expired, not applied" in upload_page


def test_the_refusal_is_the_sites_styled_403_page_with_its_message(users, allowed_department, stored):
    response = client_for(users["other_coordinator"]).get(reverse("review_roster", args=[stored.pk]))
    assert response.status_code == 403
    assert "errors/refused.html" in [t.name for t in response.templates]
    assert "Only coordinators of this department and administrators" in response.content.decode()


def test_the_record_history_links_a_page_import_to_its_upload(users, allowed_department, stored):
    client = client_for(users["coordinator"])
    client.post(reverse("review_roster", args=[stored.pk]))
    assert RecordChange.objects.get(what="roster.import").after["roster_upload"] == stored.pk
    page = client.get(reverse("review_record_changes", args=[allowed_department.slug])).content.decode()
    assert f'href="{reverse("review_roster", args=[stored.pk])}"' in page
