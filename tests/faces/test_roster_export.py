"""The department export: a streamed ZIP of public CSV files that `import_roster` can read back."""

from __future__ import annotations

import csv
import datetime
import io
import zipfile

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse

from departments.models import Department, Officer
from faces.models import Image
from tests import factories
from tests.conftest import client_for

ROLES = ["anonymous", "volunteer", "admin"]
FILES = ["officers.csv", "assignments.csv", "salaries.csv", "incidents.csv", "links.csv"]


def _download(response) -> dict[str, list[dict[str, str]]]:
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "application/zip"
    body = b"".join(response.streaming_content)
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        assert archive.namelist() == FILES
        return {name: list(csv.DictReader(io.StringIO(archive.read(name).decode("utf-8")))) for name in FILES}


def _headers(response) -> dict[str, list[str]]:
    body = b"".join(response.streaming_content)
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        return {name: next(csv.reader(io.StringIO(archive.read(name).decode("utf-8")))) for name in FILES}


@pytest.fixture
def record(allowed_department: Department, other_department: Department, users) -> dict:
    ann = factories.officer(
        allowed_department,
        employee_id="E-1",
        first_name="Ann",
        middle_name="Marie",
        last_name="O'Brien, Smith",  # a comma, quoted in the CSV
        suffix="III",
        badge_number="1234",
        rank="Sergeant",
        unit="Patrol",
        employment_date=datetime.date(2005, 6, 1),
        gender="Female",
        race="White",
        birth_year=1980,
        public_notes="not exported",
    )
    bob = factories.officer(allowed_department, first_name="Bob", last_name="=SUM(A1)", badge_number="55")
    stranger = factories.officer(other_department, first_name="Other", last_name="Dept", badge_number="1234")
    factories.assignment(
        ann,
        badge_number="999",
        rank="Officer",
        unit="Training",
        start_date=datetime.date(2005, 6, 1),
        end_date=datetime.date(2010, 1, 1),
    )
    factories.assignment(ann, rank="Sergeant", unit="Patrol", start_date=datetime.date(2010, 1, 1))
    factories.salary(ann, year=2023, salary="85000.00", overtime_pay="1200.50")
    factories.salary(stranger, year=2023)
    incident = factories.incident(
        allowed_department,
        officers=[ann, bob],
        date=datetime.date(2021, 3, 4),
        location="Main St",
        description="Multi\nline ünïcode",
        report_number="R-7",
        created_by=users["admin"],
    )
    factories.incident(other_department, officers=[stranger], report_number="R-OTHER")
    factories.link(officer=ann, url="https://news.example/a", title="Story", kind="news", added_by=users["admin"])
    factories.link(incident=incident, url="https://video.example/v", title="Video", kind="video")
    factories.link(officer=stranger, url="https://other.example/", title="Elsewhere")
    # Private things that must never leave: an uploader's photo, a face with a vector, a suggestion.
    image = factories.image(allowed_department, status=Image.Status.DONE, uploader=users["volunteer"])
    face = factories.face(image, embedding=[0.1] * 128)
    factories.suggestion(face, ann)
    return {"ann": ann, "bob": bob, "incident": incident}


def test_the_url_names_match_the_interface(allowed_department):
    assert reverse("department_export", args=["springfield"]) == "/departments/springfield/export.zip"
    assert reverse("api:department-export", args=[7]) == "/api/v1/departments/7/export.zip"


def test_the_zip_holds_five_csv_files_with_exactly_these_headers(record, allowed_department):
    headers = _headers(client_for(None).get(reverse("department_export", args=[allowed_department.slug])))
    assert headers == {
        "officers.csv": [
            "employee_id", "badge_number", "first_name", "middle_name", "last_name", "suffix", "rank", "unit",
            "employment_date", "separation_date", "gender", "race", "birth_year",
        ],
        "assignments.csv": [
            "officer_employee_id", "officer_badge_number", "badge_number", "rank", "unit", "start_date", "end_date",
        ],
        "salaries.csv": ["officer_employee_id", "officer_badge_number", "year", "salary", "overtime_pay",
                         "is_fiscal_year"],
        "incidents.csv": ["id", "date", "location", "description", "report_number", "officers"],
        "links.csv": ["title", "url", "kind", "officer", "incident_id"],
    }  # fmt: skip


def test_each_file_holds_the_department_s_public_record_as_stored(record, allowed_department):
    files = _download(client_for(None).get(reverse("department_export", args=[allowed_department.slug])))
    assert files["officers.csv"] == [
        {
            "employee_id": "E-1", "badge_number": "1234", "first_name": "Ann", "middle_name": "Marie",
            "last_name": "O'Brien, Smith", "suffix": "III", "rank": "Sergeant", "unit": "Patrol",
            "employment_date": "2005-06-01", "separation_date": "", "gender": "Female", "race": "White",
            "birth_year": "1980",
        },
        {
            "employee_id": "", "badge_number": "55", "first_name": "Bob", "middle_name": "",
            "last_name": "=SUM(A1)",  # as stored: no "'" prefix, so a re-import changes nothing
            "suffix": "", "rank": "", "unit": "", "employment_date": "", "separation_date": "", "gender": "",
            "race": "", "birth_year": "",
        },
    ]  # fmt: skip
    assert [(a["officer_employee_id"], a["badge_number"], a["unit"], a["start_date"], a["end_date"])
            for a in files["assignments.csv"]] == [
        ("E-1", "999", "Training", "2005-06-01", "2010-01-01"),
        ("E-1", "1234", "Patrol", "2010-01-01", ""),
    ]  # fmt: skip
    assert files["salaries.csv"] == [
        {"officer_employee_id": "E-1", "officer_badge_number": "1234", "year": "2023", "salary": "85000.00",
         "overtime_pay": "1200.50", "is_fiscal_year": "false"},
    ]  # fmt: skip
    assert files["incidents.csv"] == [
        {"id": str(record["incident"].pk), "date": "2021-03-04", "location": "Main St",
         "description": "Multi\nline ünïcode", "report_number": "R-7", "officers": "E-1|55"},
    ]  # fmt: skip
    assert sorted(files["links.csv"], key=lambda row: row["title"]) == [
        {"title": "Story", "url": "https://news.example/a", "kind": "news", "officer": "E-1", "incident_id": ""},
        {"title": "Video", "url": "https://video.example/v", "kind": "video", "officer": "",
         "incident_id": str(record["incident"].pk)},
    ]  # fmt: skip


def test_nothing_private_is_in_the_export(record, allowed_department, users):
    response = client_for(None).get(reverse("department_export", args=[allowed_department.slug]))
    body = b"".join(response.streaming_content)
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        text = "".join(archive.read(name).decode("utf-8") for name in archive.namelist())
    for private in (
        "not exported",
        "R-OTHER",
        "Elsewhere",
        "Dept",
        users["admin"].username,
        users["volunteer"].username,
        "@",
        "embedding",
        "added_by",
        "created_by",
        "uploader",
        "suggestion",
        "public_notes",
        "0.1",
    ):
        assert private not in text, private  # fmt: skip


def test_the_api_serves_the_same_zip(record, allowed_department):
    page = _download(client_for(None).get(reverse("department_export", args=[allowed_department.slug])))
    api = _download(client_for(None).get(f"/api/v1/departments/{allowed_department.pk}/export.zip"))
    assert api == page


@pytest.mark.parametrize("role", ROLES)
def test_everyone_may_download_the_export(users, allowed_department, role):
    client = client_for(users[role])
    assert client.get(reverse("department_export", args=[allowed_department.slug])).status_code == 200
    assert client.get(f"/api/v1/departments/{allowed_department.pk}/export.zip").status_code == 200


def test_an_unknown_department_is_a_404(db):
    assert client_for(None).get("/departments/no-such-place/export.zip").status_code == 404
    assert client_for(None).get("/api/v1/departments/999999/export.zip").status_code == 404


def test_the_department_page_links_to_the_export(allowed_department):
    html = client_for(None).get(reverse("department_detail", args=[allowed_department.slug])).content.decode()
    assert f'href="/departments/{allowed_department.slug}/export.zip"' in html


def test_the_export_is_read_throttled(monkeypatch, allowed_department):
    from faces.throttles import AnonReadThrottle

    monkeypatch.setattr(AnonReadThrottle, "THROTTLE_RATES", {**AnonReadThrottle.THROTTLE_RATES, "anon_read": "2/hour"})
    client = client_for(None)
    url = reverse("department_export", args=[allowed_department.slug])
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 429]


def _bulk_roster(department: Department, count: int) -> None:
    Officer.objects.bulk_create(
        Officer(department=department, first_name=f"F{n}", last_name=f"L{n}", badge_number=f"B{n}",
                employee_id=f"E{n}", rank="Officer", unit="Patrol")
        for n in range(count)
    )  # fmt: skip


def test_a_department_of_2000_officers_exports_in_a_fixed_number_of_queries(
    allowed_department, django_assert_max_num_queries
):
    _bulk_roster(allowed_department, 10)
    url = reverse("department_export", args=[allowed_department.slug])
    with django_assert_max_num_queries(12) as small:
        files = _download(client_for(None).get(url))
    assert len(files["officers.csv"]) == 10
    _bulk_roster_more = [Officer(department=allowed_department, first_name="G", last_name=f"M{n}", badge_number=f"C{n}")
                         for n in range(1990)]  # fmt: skip
    Officer.objects.bulk_create(_bulk_roster_more)
    with django_assert_max_num_queries(len(small.captured_queries)) as big:
        files = _download(client_for(None).get(url))
    assert len(files["officers.csv"]) == 2000
    assert len(big.captured_queries) == len(small.captured_queries)
