"""Moving a department over from OpenOversight: `import_openoversight` and its service, all files or none."""

from __future__ import annotations

import datetime
import io
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from departments.models import Assignment, Incident, Link, Officer, RecordChange, Salary
from departments.openoversight import openoversight_import
from departments.roster_columns import ROSTER_COLUMNS
from departments.services import SYSTEM
from faces.exports import export_files, stream_zip
from oversight.exceptions import NotPermitted
from tests import factories
from tests.conftest import client_for
from tests.hostile import HOSTILE_YEARS

D = datetime.date
DATA = Path(__file__).resolve().parents[1] / "data" / "openoversight"
EFFECTIVE = D(2024, 1, 1)
FILES = {
    "officers": DATA / "officers.csv",
    "assignments": DATA / "assignments.csv",
    "salaries": DATA / "salaries.csv",
    "incidents": DATA / "incidents.csv",
    "links": DATA / "links.csv",
}


def run_command(department, files: dict[str, Path], *extra: str) -> str:
    out = io.StringIO()
    options = [f"--{table}-csv={path}" for table, path in files.items()]
    call_command("import_openoversight", department.slug, *options, "--effective-date=2024-01-01", *extra, stdout=out)
    return out.getvalue()


def key_of(officer: Officer | None) -> str | None:
    return None if officer is None else officer.employee_id or officer.badge_number


def snapshot(department) -> dict[str, list[Any]]:
    """The department's whole record, by keys rather than primary keys (comparable across departments)."""
    officers = {o.pk: o for o in Officer.objects.filter(department=department)}

    def ordered(rows: list[tuple]) -> list[tuple]:
        return sorted(rows, key=repr)

    incidents = Incident.objects.filter(department=department).prefetch_related("officers")
    return {
        "officers": ordered([tuple(getattr(o, c) for c in ROSTER_COLUMNS) for o in officers.values()]),
        "assignments": ordered(
            [
                (key_of(officers[a.officer_id]), a.badge_number, a.rank, a.unit, a.start_date, a.end_date)
                for a in Assignment.objects.filter(officer__department=department)
            ]
        ),
        "salaries": ordered(
            [
                (key_of(officers[s.officer_id]), s.year, s.is_fiscal_year, s.salary, s.overtime_pay)
                for s in Salary.objects.filter(officer__department=department)
            ]
        ),
        "incidents": ordered(
            [
                (
                    i.date,
                    i.location,
                    i.description,
                    i.report_number,
                    tuple(sorted(key_of(o) or "" for o in i.officers.all())),
                )
                for i in incidents
            ]
        ),
        "links": ordered(
            [
                (
                    link.url,
                    link.title,
                    link.kind,
                    key_of(officers.get(link.officer_id)) if link.officer_id else None,
                    link.incident.report_number if link.incident_id else None,
                )
                for link in Link.objects.filter(officer__department=department).select_related("incident")
            ]
            + [
                (link.url, link.title, link.kind, None, link.incident.report_number)
                for link in Link.objects.filter(incident__department=department).select_related("incident")
            ]
        ),
    }


def by_employee_id(department, employee_id: str) -> Officer:
    return Officer.objects.get(department=department, employee_id=employee_id)


# --- One command, a whole department ---------------------------------------------------------
def test_a_whole_department_imports_in_one_command_and_its_officer_page_shows_the_record(allowed_department):
    output = run_command(allowed_department, FILES)

    assert output.startswith("Applied: OpenOversight import")
    assert "officers" in output and "created 4" in output
    mark = by_employee_id(allowed_department, "UID-1")
    assert (mark.first_name, mark.middle_name, mark.last_name, mark.gender, mark.race) == (
        "Mark",
        "O",
        "Smith",
        "M",
        "White",
    )
    assert (mark.employment_date, mark.birth_year) == (D(2019, 7, 12), 1984)  # MM-DD-YYYY understood
    assert by_employee_id(allowed_department, "UID-2").employment_date == D(2020, 2, 28)  # M/D/YYYY
    assert by_employee_id(allowed_department, "UID-2").last_name == "Fuller, Ortiz"  # a quoted comma
    history = [(a.badge_number, a.rank, a.unit, a.start_date, a.end_date) for a in mark.assignments.all()]
    assert history == [
        ("2345", "Captain", "District 1, North", D(2020, 1, 1), None),
        ("1234", "Police Officer", "Patrol", D(2019, 7, 12), D(2020, 1, 1)),
    ]
    assert (mark.badge_number, mark.rank, mark.unit) == ("2345", "Captain", "District 1, North")
    assert {(s.year, s.is_fiscal_year, s.salary, s.overtime_pay) for s in mark.salaries.all()} == {
        (2019, True, Decimal("10001.00"), None),
        (2018, True, Decimal("10000.50"), Decimal("500.00")),
    }
    assert sorted(mark.incidents.values_list("report_number", flat=True)) == ["CR-1234", "CR-39283", "CR-9912"]
    first = Incident.objects.get(department=allowed_department, report_number="CR-1234")
    assert first.description == "Something happened, then more"
    assert first.location == "near East Ave / Main St, Chicago, IL 60603"
    assert {key_of(o) for o in first.officers.all()} == {"UID-1", "UID-4"}
    assert Incident.objects.get(report_number="CR-9912").description == "Line one\nline two"
    video = Link.objects.get(url="https://www.example.org/video")
    assert (video.kind, video.incident.report_number, video.title) == ("video", "CR-39283", "Updated Link")
    assert Link.objects.get(url="https://news.example.net/story").title == "Daily News"  # no title: the author

    page = client_for(None).get(f"/officers/{mark.pk}/").content.decode()
    for shown in ("Assignment history", "District 1, North", "Patrol", "CR-1234", "Line one", "A Link", "10,001"):
        assert shown in page


def test_the_roster_assignment_of_a_new_officer_is_replaced_by_the_files_history(allowed_department):
    run_command(allowed_department, FILES)

    for officer in Officer.objects.filter(department=allowed_department):
        assert not officer.assignments.filter(start_date=EFFECTIVE).exists()
        current = officer.assignments.get(end_date__isnull=True)
        assert (officer.badge_number, officer.rank, officer.unit) == (current.badge_number, current.rank, current.unit)
    veteran = by_employee_id(allowed_department, "UID-4")
    assert [(a.badge_number, a.end_date) for a in veteran.assignments.all()] == [
        ("54321", None),
        ("4567", D(2020, 7, 10)),
    ]


def test_unknown_and_unimported_columns_are_reported_not_fatal(allowed_department):
    output = run_command(allowed_department, FILES)

    assert "known columns not imported: department name, department state" in output
    assert "unknown columns (ignored): comment" in output
    assert "known columns not imported: department name, department state, time, license plates" in output


def test_each_table_writes_one_audit_row(allowed_department):
    run_command(allowed_department, FILES)

    whats = sorted(RecordChange.objects.filter(department=allowed_department).values_list("what", flat=True))
    assert whats == sorted(
        [
            "roster.import",
            "openoversight.assignments",
            "openoversight.salaries",
            "openoversight.incidents",
            "openoversight.links",
        ]
    )
    assert all(change.actor is None for change in RecordChange.objects.all())


# --- Idempotent, dry run, all or nothing ------------------------------------------------------
def test_importing_the_same_files_again_changes_nothing(allowed_department):
    run_command(allowed_department, FILES)
    before = snapshot(allowed_department)
    pks = sorted(Assignment.objects.values_list("pk", flat=True))

    output = run_command(allowed_department, FILES)

    assert snapshot(allowed_department) == before
    assert sorted(Assignment.objects.values_list("pk", flat=True)) == pks
    assert "created 0  updated 0" in output and "created 1" not in output


def test_a_dry_run_writes_nothing_and_reports_what_would_happen(allowed_department):
    output = run_command(allowed_department, FILES, "--dry-run")

    assert output.startswith("Dry run (nothing written)")
    assert "salaries" in output and "created 4" in output
    assert not Officer.objects.filter(department=allowed_department).exists()
    assert not RecordChange.objects.exists() and not Incident.objects.exists() and not Link.objects.exists()


def test_an_error_in_the_links_file_rolls_back_everything_including_officers(allowed_department):
    out = io.StringIO()
    files = {**FILES, "links": DATA / "links_with_errors.csv"}
    options = [f"--{table}-csv={path}" for table, path in files.items()]

    with pytest.raises(CommandError, match="nothing was written"):
        call_command("import_openoversight", allowed_department.slug, *options, stdout=out)

    output = out.getvalue()
    assert output.startswith("Refused")
    assert f"{DATA / 'links_with_errors.csv'}, line 3, column url: 'javascript:alert(1)' is not a web address" in output
    assert "line 4, column officer ids: officer '#99' is not in the officers file" in output
    assert not Officer.objects.exists() and not Assignment.objects.exists() and not Salary.objects.exists()
    assert not Incident.objects.exists() and not Link.objects.exists() and not RecordChange.objects.exists()


def test_an_officer_id_missing_from_the_officers_file_is_an_error_naming_file_line_and_column(
    allowed_department, tmp_path
):
    salaries = tmp_path / "salaries.csv"
    salaries.write_text("id,officer_id,salary,year\n,#1,100,2020\n,12345,200,2020\n,#2,abc,2020\n")

    report = openoversight_import(
        allowed_department, {**FILES, "salaries": salaries}, actor=SYSTEM, effective_date=EFFECTIVE
    )

    assert [(e.file, e.line, e.column) for e in report.errors] == [
        (str(salaries), 3, "officer_id"),
        (str(salaries), 4, "salary"),
    ]
    assert report.skipped == ["incidents", "links"] and not report.applied
    assert not Officer.objects.exists()


def test_an_error_in_the_officers_file_names_the_files_own_header(allowed_department, tmp_path):
    officers = tmp_path / "officers.csv"
    officers.write_text("id,first name,last name,unique_internal_identifier,birth year\n#1,Ann,Lee,U1,1850\n")

    report = openoversight_import(
        allowed_department, {"officers": officers, "assignments": FILES["assignments"]}, actor=SYSTEM
    )

    assert [(e.line, e.column) for e in report.errors] == [(2, "birth year")]
    assert report.skipped == ["assignments"]


def test_it_refuses_people_who_may_not_edit_the_department(allowed_department, users):
    with pytest.raises(NotPermitted):
        openoversight_import(allowed_department, FILES, actor=users["volunteer"])
    with pytest.raises(NotPermitted):
        openoversight_import(allowed_department, FILES, actor=users["other_coordinator"])
    assert openoversight_import(allowed_department, FILES, actor=users["coordinator"], dry_run=True).ok


# --- OpenOversight's downloads, and our own export ------------------------------------------
def test_openoversight_department_downloads_import_too(allowed_department, tmp_path):
    officers = tmp_path / "officers.csv"
    officers.write_text(
        "id,unique identifier,last name,first name,middle initial,suffix,gender,race,birth year,"
        "employment date,badge number,job title,most recent salary\n"
        "1,OO-7,Lee,Kim,J,,F,Asian,1975,2001-04-02,4410,Police Officer,91000.00\n"
    )
    assignments = tmp_path / "assignments.csv"
    assignments.write_text(
        "id,officer id,officer unique identifier,badge number,job title,start date,end date,unit id,unit description\n"
        "10,1,OO-7,3300,Police Officer,2001-04-02,2010-05-01,4,Patrol\n"
        "11,1,OO-7,4410,Police Officer,2010-05-01,,5,Traffic\n"
    )
    salaries = tmp_path / "salaries.csv"
    salaries.write_text(
        "id,officer id,first name,last name,salary,overtime_pay,year,is_fiscal_year\n"
        "7,1,Kim,Lee,91000.00,1200.5,2022,False\n"
    )
    links = tmp_path / "links.csv"
    links.write_text(
        "id,title,url,link_type,description,author,officers,incidents\n3,Story,https://x.example/a,link,,,[1],[]\n"
    )

    report = openoversight_import(
        allowed_department,
        {"officers": officers, "assignments": assignments, "salaries": salaries, "links": links},
        actor=SYSTEM,
        effective_date=EFFECTIVE,
    )

    assert report.ok and report.applied
    kim = by_employee_id(allowed_department, "OO-7")
    assert (kim.badge_number, kim.unit) == ("4410", "Traffic")
    assert [(a.badge_number, a.unit) for a in kim.assignments.all()] == [("4410", "Traffic"), ("3300", "Patrol")]
    assert kim.salaries.get().overtime_pay == Decimal("1200.50")
    assert kim.links.get().title == "Story"


def _export_to(department, folder: Path) -> dict[str, Path]:
    archive = zipfile.ZipFile(io.BytesIO(b"".join(stream_zip(export_files(department)))))
    files = {}
    for table in ("officers", "assignments", "salaries", "incidents", "links"):
        path = folder / f"{table}.csv"
        path.write_bytes(archive.read(f"{table}.csv"))
        files[table] = path
    return files


def test_our_own_export_reimports_completely_and_again_with_no_change(allowed_department, other_department, tmp_path):
    run_command(allowed_department, FILES)
    exported = _export_to(allowed_department, tmp_path)

    into_fresh = openoversight_import(other_department, exported, actor=SYSTEM, effective_date=D(2025, 5, 5))
    back_home = openoversight_import(allowed_department, exported, actor=SYSTEM, effective_date=D(2025, 5, 5))

    assert into_fresh.ok and into_fresh.applied and back_home.ok
    assert snapshot(other_department) == snapshot(allowed_department)
    assert [(t.table, t.created, t.updated) for t in back_home.tables] == [
        ("assignments", 0, 0),
        ("salaries", 0, 0),
        ("incidents", 0, 0),
        ("links", 0, 0),
    ]
    assert back_home.roster is not None and (back_home.roster.created, back_home.roster.updated) == (0, 0)


def test_an_existing_officer_gains_the_files_history_and_keeps_one_open_assignment(allowed_department, tmp_path):
    veteran = factories.officer(allowed_department, employee_id="UID-4", badge_number="4567", rank="Police Officer")
    officers = tmp_path / "officers.csv"
    officers.write_text("id,first name,last name,unique_internal_identifier\n49483,Already,InDatabase,UID-4\n")
    assignments = tmp_path / "assignments.csv"
    assignments.write_text(
        "officer id,star no,job title,start date,resign date\n"
        "49483,4567,Police Officer,2020-01-01,2020-07-10\n"
        "49483,54321,Captain,2020-07-10,\n"
    )

    report = openoversight_import(
        allowed_department, {"officers": officers, "assignments": assignments}, actor=SYSTEM, effective_date=EFFECTIVE
    )

    assert report.ok, report.errors
    veteran.refresh_from_db()
    assert (veteran.badge_number, veteran.rank) == ("54321", "Captain")
    assert veteran.assignments.filter(end_date__isnull=True).count() == 1
    assert veteran.assignments.get(end_date__isnull=True).badge_number == "54321"


def test_a_later_file_with_a_promotion_closes_the_old_assignment_at_the_promotions_start(allowed_department, tmp_path):
    run_command(allowed_department, FILES)
    promoted = tmp_path / "assignments.csv"
    promoted.write_bytes(
        FILES["assignments"]
        .read_bytes()
        .replace(b",#2,99,2018-01-01,Commander,,,,", b",#2,99,2018-01-01,Commander,,,2023-03-01,")
        + b",#2,100,2023-03-01,Deputy Chief,,HQ,,\r\n"
    )

    report = openoversight_import(
        allowed_department, {**FILES, "assignments": promoted}, actor=SYSTEM, effective_date=D(2024, 6, 1)
    )

    assert report.ok, report.errors
    claire = by_employee_id(allowed_department, "UID-2")
    assert [(a.badge_number, a.rank, a.start_date, a.end_date) for a in claire.assignments.all()] == [
        ("100", "Deputy Chief", D(2023, 3, 1), None),
        ("99", "Commander", D(2018, 1, 1), D(2023, 3, 1)),
    ]
    assert (claire.badge_number, claire.rank, claire.unit) == ("100", "Deputy Chief", "HQ")


def test_a_file_that_is_not_utf8_is_an_error_naming_file_and_line(allowed_department, tmp_path):
    incidents = tmp_path / "incidents.csv"
    incidents.write_bytes("id,date,report number,description\n,2020-01-01,A1,Caf\u00e9\n".encode("latin-1"))

    report = openoversight_import(allowed_department, {"incidents": incidents}, actor=SYSTEM)

    assert [(e.file, e.line) for e in report.errors] == [(str(incidents), 2)]
    assert "not UTF-8" in report.errors[0].message and not Incident.objects.exists()


def test_two_open_assignments_in_the_file_leave_one_open_and_a_second_run_changes_nothing(allowed_department, tmp_path):
    officers = tmp_path / "officers.csv"
    officers.write_text("id,first name,last name,unique_internal_identifier\n#a,Ann,Lee,U1\n")
    assignments = tmp_path / "assignments.csv"
    assignments.write_text(
        "officer id,star no,job title,start date,resign date\n#a,10,Officer,2015-01-01,\n#a,11,Sergeant,2019-05-01,\n"
    )
    files = {"officers": officers, "assignments": assignments}

    openoversight_import(allowed_department, files, actor=SYSTEM, effective_date=EFFECTIVE)
    before = snapshot(allowed_department)
    again = openoversight_import(allowed_department, files, actor=SYSTEM, effective_date=D(2025, 2, 2))

    ann = by_employee_id(allowed_department, "U1")
    assert [(a.badge_number, a.end_date) for a in ann.assignments.all()] == [("11", None), ("10", D(2019, 5, 1))]
    assert ann.badge_number == "11"
    assert again.ok and snapshot(allowed_department) == before


@pytest.mark.parametrize(("cell"), [c for _, c in HOSTILE_YEARS], ids=[i for i, _ in HOSTILE_YEARS])
def test_a_salary_year_in_other_digits_is_an_error_not_a_crash(allowed_department, tmp_path, cell):
    factories.officer(allowed_department, employee_id="UID-1", badge_number="1")
    salaries = tmp_path / "salaries.csv"
    salaries.write_text(f"officer_employee_id,year,salary\nUID-1,{cell},100\n", encoding="utf-8")
    report = openoversight_import(allowed_department, {"salaries": salaries}, actor=SYSTEM, effective_date=EFFECTIVE)
    assert not report.ok and report.errors[0].line == 2 and not Salary.objects.exists()


def test_an_assignment_saved_during_the_import_is_not_taken_for_the_rosters_own(
    allowed_department, tmp_path, monkeypatch
):
    from departments import openoversight

    bystander = factories.officer(
        allowed_department, employee_id="UID-9", badge_number="9999", first_name="By", last_name="Stander", rank="Chief"
    )
    factories.assignment(bystander, badge_number="9999", rank="Chief", unit="", start_date=D(2019, 1, 1))
    officers = tmp_path / "officers.csv"
    officers.write_text("id,first name,last name,unique_internal_identifier\n1,By,Stander,UID-9\n")
    assignments = tmp_path / "assignments.csv"
    assignments.write_text("officer id,star no,job title,start date,resign date\n1,9999,Chief,2019-01-01,\n")
    saved: list[Assignment] = []
    real_import = openoversight.roster_import

    def a_coordinator_saves_an_assignment_meanwhile(*args: Any, **kwargs: Any) -> Any:
        Assignment.objects.filter(officer=bystander, end_date__isnull=True).update(end_date=D(2025, 1, 1))
        saved.append(
            factories.assignment(bystander, badge_number="9999", rank="Chief", unit="", start_date=D(2025, 1, 1))
        )
        return real_import(*args, **kwargs)

    monkeypatch.setattr(openoversight, "roster_import", a_coordinator_saves_an_assignment_meanwhile)
    report = openoversight_import(
        allowed_department, {"officers": officers, "assignments": assignments}, actor=SYSTEM, effective_date=EFFECTIVE
    )
    assert report.ok, report.errors
    assert Assignment.objects.filter(pk=saved[0].pk).exists()
