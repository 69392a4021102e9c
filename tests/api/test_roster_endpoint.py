"""POST /api/v1/departments/{id}/roster/: every role with a real token, dry runs, imports, bad files."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from departments.models import Assignment, Officer, RecordChange
from faces import throttles
from tests.api.conftest import API, ROLES, error_body_ok

ROSTER = (
    "\ufeffemployee_id,badge_number,first_name,last_name,rank,unit,notes\r\n"
    "E-1,1001,Ana,Ruiz,Officer,Patrol,\r\n"
    'E-2,1002,Ben,"Okafor, Jr.",Sergeant,Traffic,x\r\n'
)
REPORT_KEYS = {
    "file_name",
    "dry_run",
    "applied",
    "effective_date",
    "rows",
    "created",
    "updated",
    "unchanged",
    "assignments_changed",
    "unknown_columns",
    "errors",
    "errors_truncated",
    "changes",
    "changes_truncated",
    "plan_digest",
    "plan_changed",
}
EDITORS = {
    "anonymous": 401,
    "member": 403,
    "volunteer": 403,
    "coordinator": 200,
    "other_coordinator": 403,
    "admin": 200,
    "disabled": 401,
}


def roster_file(content: str | bytes, name: str = "roster.csv") -> SimpleUploadedFile:
    data = content.encode("utf-8") if isinstance(content, str) else content
    return SimpleUploadedFile(name, data, content_type="text/csv")


def post_roster(client, department, content: str | bytes = ROSTER, **fields):
    body = {"file": roster_file(content), **fields}
    return client.post(f"{API}departments/{department.pk}/roster/", body, format="multipart")


@pytest.mark.parametrize("dry_run", [True, False], ids=["dry_run", "import"])
@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_what_the_table_says(clients, allowed_department, role, dry_run):
    response = post_roster(clients[role], allowed_department, dry_run=dry_run)
    assert response.status_code == EDITORS[role], response.content[:500]
    if response.status_code == 200:
        assert set(response.json()) == REPORT_KEYS
    else:
        assert error_body_ok(response)
    imported = EDITORS[role] == 200 and not dry_run
    assert Officer.objects.count() == (2 if imported else 0)


def test_a_coordinator_may_not_import_another_departments_roster(clients, other_department):
    response = post_roster(clients["coordinator"], other_department)
    assert response.status_code == 403 and error_body_ok(response)
    assert not Officer.objects.exists()


def test_a_missing_department_is_404(clients):
    response = clients["admin"].post(f"{API}departments/987654321/roster/", {"file": roster_file(ROSTER)})
    assert response.status_code == 404


def test_a_dry_run_answers_the_report_and_writes_nothing(clients, allowed_department):
    response = post_roster(clients["coordinator"], allowed_department, dry_run=True, effective_date="2024-07-01")
    body = response.json()
    assert response.status_code == 200
    assert body["dry_run"] and not body["applied"]
    assert (body["rows"], body["created"], body["updated"]) == (2, 2, 0)
    assert body["effective_date"] == "2024-07-01" and body["unknown_columns"] == ["notes"]
    assert body["changes"][1]["fields"]["last_name"] == [None, "Okafor, Jr."]
    assert not Officer.objects.exists() and not RecordChange.objects.exists()


def test_an_import_writes_the_officers_their_assignments_and_one_audit_row(clients, users, allowed_department):
    response = post_roster(clients["coordinator"], allowed_department, effective_date="2024-07-01")
    assert response.status_code == 200 and response.json()["applied"]
    assert Officer.objects.filter(department=allowed_department).count() == 2
    assert set(Assignment.objects.values_list("start_date", flat=True)) == {datetime.date(2024, 7, 1)}
    audit = RecordChange.objects.get(what="roster.import")
    assert audit.actor == users["coordinator"] and audit.after["file_name"] == "roster.csv"


def test_a_second_import_with_a_rank_change_and_a_transfer_opens_new_assignments(clients, allowed_department):
    post_roster(clients["admin"], allowed_department, effective_date="2024-01-01")
    changed = ROSTER.replace("Officer,Patrol", "Sergeant,Patrol").replace("Sergeant,Traffic", "Sergeant,Homicide")
    body = post_roster(clients["admin"], allowed_department, changed, effective_date="2025-03-01").json()
    assert (body["updated"], body["assignments_changed"]) == (2, 2)
    ana = Officer.objects.get(employee_id="E-1")
    history = list(ana.assignments.order_by("start_date").values_list("rank", "start_date", "end_date"))
    assert history == [
        ("Officer", datetime.date(2024, 1, 1), datetime.date(2025, 3, 1)),
        ("Sergeant", datetime.date(2025, 3, 1), None),
    ]


def test_the_same_file_twice_changes_nothing_the_second_time(clients, allowed_department):
    post_roster(clients["admin"], allowed_department)
    body = post_roster(clients["admin"], allowed_department).json()
    assert (body["created"], body["updated"], body["unchanged"]) == (0, 0, 2)
    assert Officer.objects.count() == 2 and Assignment.objects.count() == 2


HOSTILE = [
    ("nul_byte", "badge_number,first_name,last_name\n1,A\x00na,Ruiz\n", (2, "first_name")),
    ("binary", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe" * 40, (1, None)),
    ("latin_1", "badge_number,first_name,last_name\n1,José,Muñoz\n".encode("latin-1"), (2, None)),
    ("empty", b"", (1, None)),
    ("malformed", 'badge_number,first_name,last_name\n1,"Ana\n' + "x" * 200_000, (2, None)),
    ("bad_birth_year", "badge_number,first_name,last_name,birth_year\n1,Ana,Ruiz,19x5\n", (2, "birth_year")),
]


@pytest.mark.parametrize("dry_run", [True, False], ids=["dry_run", "import"])
@pytest.mark.parametrize(("content", "where"), [(c, w) for _, c, w in HOSTILE], ids=[i for i, _, _ in HOSTILE])
def test_a_bad_file_answers_400_with_the_report_and_writes_nothing(
    clients, allowed_department, content, where, dry_run
):
    response = post_roster(clients["coordinator"], allowed_department, content, dry_run=dry_run)
    assert response.status_code == 400
    body = response.json()
    assert set(body) == REPORT_KEYS and not body["applied"]
    first = body["errors"][0]
    assert (first["line"], first["column"]) == where and first["message"]
    assert not Officer.objects.exists() and not RecordChange.objects.exists()


def test_a_header_only_file_is_a_valid_roster_with_no_rows(clients, allowed_department):
    response = post_roster(clients["coordinator"], allowed_department, "badge_number,first_name,last_name\r\n")
    assert response.status_code == 200 and response.json()["rows"] == 0
    assert not Officer.objects.exists()


def test_formula_like_cells_come_back_and_are_stored_as_plain_text(clients, allowed_department):
    content = 'badge_number,first_name,last_name\n1,"=HYPERLINK(""http://x"")",@SUM(A1)\n'
    body = post_roster(clients["coordinator"], allowed_department, content).json()
    assert body["changes"][0]["fields"]["first_name"] == [None, '=HYPERLINK("http://x")']
    assert Officer.objects.get().last_name == "@SUM(A1)"


def test_a_file_over_the_limit_is_refused_with_a_clear_error(clients, allowed_department, settings):
    settings.ROSTER_MAX_BYTES = 1024
    response = post_roster(clients["coordinator"], allowed_department, ROSTER + "x" * 2000)
    assert response.status_code == 413 and error_body_ok(response)
    assert "larger than the 1024 bytes limit" in response.json()["detail"]
    assert response.json()["errors"] == {"file": [response.json()["detail"]]}
    assert not Officer.objects.exists()


@pytest.mark.parametrize(
    "fields",
    [{}, {"file": "not a file"}, {"dry_run": "maybe"}, {"effective_date": "yesterday"}],
    ids=["no_file", "text_instead_of_file", "bad_boolean", "bad_date"],
)
def test_bad_fields_get_a_400_with_the_field_named(clients, allowed_department, fields):
    body = {"file": roster_file(ROSTER), **fields} if fields and "file" not in fields else fields
    response = clients["admin"].post(f"{API}departments/{allowed_department.pk}/roster/", body, format="multipart")
    assert response.status_code == 400 and error_body_ok(response)
    assert not Officer.objects.exists()


def test_imports_are_throttled_like_uploads(clients, allowed_department, monkeypatch):
    monkeypatch.setattr(throttles.UserUploadThrottle, "rate", "1/hour", raising=False)
    assert post_roster(clients["coordinator"], allowed_department, dry_run=True).status_code == 200
    response = post_roster(clients["coordinator"], allowed_department, dry_run=True)
    assert response.status_code == 429 and error_body_ok(response) and response["Retry-After"]


def test_a_session_without_csrf_cannot_import(users, allowed_department):
    from rest_framework.test import APIClient

    client = APIClient(enforce_csrf_checks=True)
    client.force_login(users["admin"])
    response = post_roster(client, allowed_department)
    assert response.status_code == 403
    assert not Officer.objects.exists()


def test_an_effective_date_decades_away_is_refused_with_nothing_written(clients, allowed_department):
    response = post_roster(clients["coordinator"], allowed_department, effective_date="9999-12-31")
    assert response.status_code == 400
    assert response.json()["errors"][0]["column"] == "effective_date"
    assert not Officer.objects.exists()


def test_an_import_expecting_a_dry_runs_digest_is_refused_when_the_plan_changed(clients, allowed_department):
    client = clients["coordinator"]
    post_roster(client, allowed_department)
    renamed = ROSTER.replace("Ruiz", "Ruiz-Vega")
    digest = post_roster(client, allowed_department, renamed, dry_run=True).json()["plan_digest"]
    Officer.objects.filter(employee_id="E-1").update(first_name="Anna")
    response = post_roster(client, allowed_department, renamed, expect_digest=digest)
    assert response.status_code == 409 and response.json()["plan_changed"] is True
    assert Officer.objects.get(employee_id="E-1").first_name == "Anna"
    new_digest = response.json()["plan_digest"]
    assert post_roster(client, allowed_department, renamed, expect_digest=new_digest).status_code == 200
