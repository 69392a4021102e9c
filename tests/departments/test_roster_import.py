"""Roster import: one CSV service (departments.roster) and its command, all rows or none."""

from __future__ import annotations

import csv
import datetime
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from departments.models import Assignment, Officer, RecordChange
from departments.roster import ROSTER_COLUMNS, RosterReport, roster_import
from departments.services import SYSTEM
from oversight.exceptions import NotPermitted
from tests import factories
from tests.hostile import HOSTILE_YEARS

D = datetime.date
DATA = Path(__file__).resolve().parents[1] / "data" / "rosters"
EXPORT_HEADER = ",".join(ROSTER_COLUMNS)


def run(department, text: str | bytes, *, actor=SYSTEM, **options) -> RosterReport:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return roster_import(department, io.BytesIO(data), actor=actor, **options)


def officers(department) -> dict[str, Officer]:
    return {o.employee_id or o.badge_number: o for o in Officer.objects.filter(department=department)}


def errors(report: RosterReport) -> list[tuple[int, str | None]]:
    return [(e.line, e.column) for e in report.errors]


BASIC = (
    f"{EXPORT_HEADER}\n"
    "E1,101,Ana,,Reyes,,Officer,Patrol,2015-03-01,,Female,Hispanic,1988\n"
    "E2,102,Ben,Q,Okafor,Jr.,Sergeant,Traffic,2010-06-15,,Male,Black,1979\n"
)


# --- Reading the file ------------------------------------------------------------------------
def test_it_imports_the_exports_thirteen_columns_and_opens_a_first_assignment_at_the_effective_date(
    allowed_department,
):
    report = run(allowed_department, BASIC, effective_date=D(2024, 1, 1))
    assert report.ok and report.applied and (report.created, report.updated, report.unchanged) == (2, 0, 0)
    ben = officers(allowed_department)["E2"]
    assert (ben.first_name, ben.middle_name, ben.last_name, ben.suffix) == ("Ben", "Q", "Okafor", "Jr.")
    assert (ben.badge_number, ben.rank, ben.unit) == ("102", "Sergeant", "Traffic")
    assert (ben.employment_date, ben.gender, ben.race, ben.birth_year) == (D(2010, 6, 15), "Male", "Black", 1979)
    current = ben.assignments.get()
    assert (current.badge_number, current.rank, current.unit, current.start_date, current.end_date) == (
        "102",
        "Sergeant",
        "Traffic",
        D(2024, 1, 1),
        None,
    )


def test_it_reads_a_bom_crlf_quoted_commas_any_order_and_any_case(allowed_department):
    text = (
        "\ufeffLast Name,FIRST_NAME,Badge Number,Employee ID,Unit\r\n"
        '"Reyes, Jr.",Ana,101,E1,"Patrol, North"\r\n'
        '"O\'Brien ""Bud""",Sean,102,E2,Traffic\r\n'
    )
    report = run(allowed_department, text)
    assert report.ok and report.created == 2 and report.unknown_columns == []
    found = officers(allowed_department)
    assert (found["E1"].last_name, found["E1"].unit) == ("Reyes, Jr.", "Patrol, North")
    assert found["E2"].last_name == 'O\'Brien "Bud"'


def test_it_understands_openoversights_officer_headers(allowed_department):
    report = run(allowed_department, (DATA / "openoversight_officers.csv").read_bytes())
    assert report.ok, report.errors
    assert report.created == 2 and report.unknown_columns == ["id", "department_id"]
    kim = officers(allowed_department)["OO-7"]
    assert (kim.first_name, kim.middle_name, kim.last_name, kim.badge_number, kim.rank) == (
        "Kim",
        "J",
        "Lee",
        "4410",
        "Police Officer",
    )
    assert (kim.employment_date, kim.birth_year, kim.gender) == (D(2001, 4, 2), 1975, "F")


def test_it_reads_openoversights_department_download(allowed_department):
    report = run(allowed_department, (DATA / "openoversight_download_officers.csv").read_bytes())
    assert report.ok, report.errors
    assert report.created == 2 and report.unknown_columns == ["id", "most recent salary"]
    hill = officers(allowed_department)["OO-8"]
    assert (hill.badge_number, hill.rank, hill.suffix) == ("512", "Sergeant", "III")
    assert hill.employment_date == D(1998, 9, 30)


def test_unknown_columns_are_reported_not_fatal(allowed_department):
    report = run(allowed_department, "badge_number,first_name,last_name,Shoe Size\n9,A,B,44\n")
    assert report.ok and report.created == 1 and report.unknown_columns == ["Shoe Size"]


def test_it_refuses_a_file_that_is_not_utf8_and_names_the_line(allowed_department):
    text = "badge_number,first_name,last_name\n1,Ana,Reyes\n2,Zoë,Müller\n".encode("latin-1")
    report = run(allowed_department, text)
    assert errors(report) == [(3, None)] and "UTF-8" in report.errors[0].message
    assert not Officer.objects.exists()


def test_it_refuses_an_empty_file(allowed_department):
    report = run(allowed_department, b"")
    assert errors(report) == [(1, None)] and "empty" in report.errors[0].message


def test_a_header_without_rows_changes_nothing(allowed_department):
    report = run(allowed_department, EXPORT_HEADER + "\n")
    assert report.ok and (report.rows, report.created) == (0, 0)


def test_it_refuses_a_header_without_a_key_column(allowed_department):
    report = run(allowed_department, "first_name,last_name\nAna,Reyes\n")
    assert errors(report) == [(1, None)]


# --- Keys, updates and assignments ------------------------------------------------------------
def test_importing_the_same_file_twice_changes_nothing(allowed_department):
    run(allowed_department, BASIC)
    before = list(Officer.objects.values_list("pk", "updated_at"))
    report = run(allowed_department, BASIC)
    assert report.ok and (report.created, report.updated, report.unchanged, report.assignments_changed) == (0, 0, 2, 0)
    assert list(Officer.objects.values_list("pk", "updated_at")) == before
    assert Assignment.objects.count() == 2


def test_the_key_is_the_employee_id_so_a_new_badge_is_an_assignment_change(allowed_department):
    run(allowed_department, BASIC, effective_date=D(2024, 1, 1))
    changed = BASIC.replace("E2,102,Ben,Q,Okafor,Jr.,Sergeant,Traffic", "E2,207,Ben,Q,Okafor,Jr.,Lieutenant,Traffic")
    report = run(allowed_department, changed, effective_date=D(2025, 7, 1))
    assert report.ok and (report.created, report.updated, report.unchanged, report.assignments_changed) == (0, 1, 1, 1)
    assert report.changes[0].fields == {"badge_number": ("102", "207"), "rank": ("Sergeant", "Lieutenant")}
    ben = officers(allowed_department)["E2"]
    assert (ben.badge_number, ben.rank) == ("207", "Lieutenant")
    history = list(ben.assignments.order_by("start_date").values_list("badge_number", "start_date", "end_date"))
    assert history == [("102", D(2024, 1, 1), D(2025, 7, 1)), ("207", D(2025, 7, 1), None)]


def test_without_an_employee_id_the_badge_is_the_key(allowed_department):
    existing = factories.officer(allowed_department, first_name="Old", last_name="Name", badge_number="55")
    report = run(allowed_department, "employee_id,badge_number,first_name,last_name\n,55,New,Name\n")
    assert report.ok and (report.created, report.updated) == (0, 1)
    existing.refresh_from_db()
    assert (existing.first_name, existing.employee_id) == ("New", "")


def test_a_roster_that_gains_employee_ids_matches_stored_officers_by_badge(allowed_department):
    existing = factories.officer(allowed_department, badge_number="55", last_name="Reyes")
    report = run(allowed_department, "employee_id,badge_number,first_name,last_name\nE9,55,Ana,Reyes\n")
    assert report.ok and (report.created, report.updated) == (0, 1)
    existing.refresh_from_db()
    assert existing.employee_id == "E9"


def test_a_field_change_updates_the_officer_without_touching_the_assignment(allowed_department):
    run(allowed_department, BASIC)
    report = run(allowed_department, BASIC.replace("Ana,,Reyes", "Ana,Maria,Reyes-Diaz"))
    assert report.ok and (report.updated, report.assignments_changed) == (1, 0)
    ana = officers(allowed_department)["E1"]
    assert (ana.middle_name, ana.last_name) == ("Maria", "Reyes-Diaz")
    assert ana.assignments.count() == 1


def test_it_refuses_an_effective_date_before_the_current_assignment_began(allowed_department):
    run(allowed_department, BASIC, effective_date=D(2024, 1, 1))
    report = run(allowed_department, BASIC.replace("Officer,Patrol", "Detective,Patrol"), effective_date=D(2023, 1, 1))
    assert errors(report) == [(2, "rank")]


def test_it_refuses_a_badge_that_stays_with_another_officer(allowed_department):
    factories.officer(allowed_department, badge_number="101", employee_id="X1")
    report = run(allowed_department, BASIC)
    assert errors(report) == [(2, "badge_number")]
    assert Officer.objects.count() == 1


def test_two_officers_may_swap_badges_and_a_new_officer_may_take_a_freed_badge(allowed_department):
    run(allowed_department, BASIC, effective_date=D(2024, 1, 1))
    swapped = BASIC.replace("E1,101,", "E1,102,").replace("E2,102,", "E2,900,") + "E3,101,Cy,,Diaz,,,,,,,,\n"
    swapped = swapped.replace("E2,900,", "E2,101,").replace("E3,101,", "E3,103,")
    report = run(allowed_department, swapped, effective_date=D(2025, 1, 1))
    assert report.ok and report.applied, report.errors
    found = officers(allowed_department)
    assert (found["E1"].badge_number, found["E2"].badge_number, found["E3"].badge_number) == ("102", "101", "103")
    moved = BASIC.replace("E1,101,", "E1,555,") + "E4,101,Dee,,Fox,,,,,,,,\n"
    assert run(allowed_department, moved, effective_date=D(2025, 2, 1)).ok
    assert officers(allowed_department)["E4"].badge_number == "101"
    assert Assignment.objects.filter(end_date__isnull=True).count() == Officer.objects.count() == 4


def test_a_column_missing_from_the_file_leaves_that_field_alone(allowed_department):
    run(allowed_department, BASIC)
    report = run(allowed_department, "employee_id,first_name,last_name\nE2,Ben,Okafor\n")
    assert report.ok and (report.updated, report.unchanged) == (0, 1)
    ben = officers(allowed_department)["E2"]
    assert (ben.badge_number, ben.rank, ben.race, ben.birth_year) == ("102", "Sergeant", "Black", 1979)


# --- Validation: all rows or none ---------------------------------------------------------------
def test_an_error_on_the_last_line_writes_nothing_and_names_line_and_column(allowed_department):
    text = BASIC + "E3,103,Cy,,Diaz,,Officer,Patrol,2015-13-45,,,,\n"
    report = run(allowed_department, text)
    assert errors(report) == [(4, "employment_date")]
    assert not report.applied and not Officer.objects.exists() and not RecordChange.objects.exists()


def test_it_lists_every_error_not_just_the_first(allowed_department):
    text = "badge_number,first_name,last_name,birth_year,separation_date,employment_date\n"
    text += "1,A,B,1800,,\n2,,,,,\n3,C,D,,2001-01-01,2005-01-01\n4,E,F,abc,,\n"
    report = run(allowed_department, text)
    assert errors(report) == [(2, "birth_year"), (3, "last_name"), (4, "separation_date"), (5, "birth_year")]


def test_it_refuses_duplicate_keys_in_the_file(allowed_department):
    report = run(allowed_department, BASIC + "E1,109,Ana,,Again,,,,,,,,\n")
    assert errors(report) == [(4, "employee_id")] and "line 2" in report.errors[0].message


def test_it_refuses_a_badge_given_twice_in_the_file(allowed_department):
    report = run(allowed_department, BASIC + "E3,101,Cy,,Diaz,,,,,,,,\n")
    assert errors(report) == [(4, "badge_number")]


@pytest.mark.parametrize(
    ("value", "ok"),
    [("2015-03-01", True), ("3/1/2015", True), ("12/31/2015", True), ("2015-3-1", False), ("01.03.2015", False)],
)
def test_dates_are_iso_or_month_day_year(allowed_department, value, ok):
    report = run(allowed_department, f"badge_number,first_name,last_name,employment_date\n1,A,B,{value}\n")
    assert report.ok is ok
    if ok:
        assert Officer.objects.get().employment_date in (D(2015, 3, 1), D(2015, 12, 31))


def test_it_refuses_a_10000_character_name(allowed_department):
    report = run(allowed_department, "badge_number,first_name,last_name\n1," + "A" * 10_000 + ",B\n")
    assert errors(report) == [(2, "first_name")] and "at most 100" in report.errors[0].message


def test_it_refuses_a_field_larger_than_the_csv_limit_without_failing(allowed_department):
    report = run(allowed_department, 'badge_number,first_name,last_name\n1,A,B\n2,"' + "x" * 200_000 + '",C\n')
    assert errors(report) == [(3, None)] and "malformed" in report.errors[0].message


def test_it_refuses_nul_bytes_and_control_characters(allowed_department):
    report = run(allowed_department, "badge_number,first_name,last_name\n1,A\x00na,B\n2,C,D\x07\n")
    assert errors(report) == [(2, "first_name"), (3, "last_name")]
    assert not Officer.objects.exists()


def test_formula_strings_are_stored_as_plain_text(allowed_department):
    hostile = "=cmd|' /C calc'!A0"
    report = run(allowed_department, f'badge_number,first_name,last_name\n1,"{hostile}",@SUM(1)\n')
    assert report.ok
    assert Officer.objects.values_list("first_name", "last_name").get() == (hostile, "@SUM(1)")


def test_it_refuses_a_row_with_more_fields_than_the_header(allowed_department):
    report = run(allowed_department, "badge_number,first_name,last_name\n1,A,B,extra\n")
    assert errors(report) == [(2, None)]


def test_dry_run_reports_everything_and_writes_nothing(allowed_department):
    run(allowed_department, BASIC, effective_date=D(2024, 1, 1))
    changed = BASIC.replace("Patrol", "Homicide") + "E3,103,Cy,,Diaz,,,,,,,,\n"
    report = run(allowed_department, changed, dry_run=True, effective_date=D(2025, 1, 1))
    assert report.ok and not report.applied
    assert (report.created, report.updated, report.unchanged, report.assignments_changed) == (1, 1, 1, 1)
    assert [c.action for c in report.changes] == ["update", "create"]
    assert report.changes[0].fields == {"unit": ("Patrol", "Homicide")}
    assert Officer.objects.count() == 2 and Assignment.objects.count() == 2
    assert RecordChange.objects.filter(what="roster.import").count() == 1  # the first, real import only


def test_one_audit_row_records_who_when_and_the_counts(allowed_department, users):
    run(allowed_department, BASIC, actor=users["coordinator"], file_name="roster.csv")
    change = RecordChange.objects.get()
    assert (change.what, change.actor, change.department) == ("roster.import", users["coordinator"], allowed_department)
    assert change.after["file_name"] == "roster.csv" and change.after["created"] == 2


@pytest.mark.parametrize("role", ["anonymous", "member", "volunteer", "coordinator", "other_coordinator", "admin"])
def test_only_the_departments_coordinators_and_administrators_import_its_roster(allowed_department, users, role):
    if role in {"coordinator", "admin"}:
        assert run(allowed_department, BASIC, actor=users[role]).applied
        assert Officer.objects.count() == 2
    else:
        with pytest.raises(NotPermitted):
            run(allowed_department, BASIC, actor=users[role])
        assert not Officer.objects.exists() and not RecordChange.objects.exists()


# --- The command --------------------------------------------------------------------------------
def test_the_command_imports_and_prints_the_report(allowed_department, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text(BASIC + "", encoding="utf-8")
    out = io.StringIO()
    call_command("import_roster", "springfield", str(path), "--effective-date", "2024-01-01", stdout=out)
    assert "created: 2" in out.getvalue() and Officer.objects.count() == 2
    assert Assignment.objects.filter(start_date=D(2024, 1, 1)).count() == 2


def test_the_command_dry_run_writes_nothing(allowed_department, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text(BASIC, encoding="utf-8")
    out = io.StringIO()
    call_command("import_roster", "springfield", str(path), "--dry-run", stdout=out)
    assert "Dry run" in out.getvalue() and not Officer.objects.exists()


def test_the_command_exits_1_and_names_line_and_column_on_errors(allowed_department, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text(BASIC + "E3,103,Cy,,Diaz,,,,bad,,,,\n", encoding="utf-8")
    out = io.StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("import_roster", "springfield", str(path), stdout=out)
    assert refused.value.returncode == 1
    assert "line 4, column employment_date" in out.getvalue() and not Officer.objects.exists()


@pytest.mark.parametrize(
    "arguments",
    [
        ["nowhere", "roster.csv"],
        ["springfield", "/nonexistent/roster.csv"],
        ["springfield", "x", "--effective-date", "x"],
    ],
)
def test_the_command_refuses_an_unknown_department_file_or_date(allowed_department, arguments):
    with pytest.raises(CommandError):
        call_command("import_roster", *arguments)


# --- Round trip with the export (faces.exports writes officers.csv in the same 13 columns) -------
def test_the_exports_officers_csv_reimports_with_no_change(allowed_department):
    from faces.exports import export_files

    run(allowed_department, BASIC + 'E3,103,"Cy, ""C""",,"=cmd|\' /C calc\'!A0",,,,3/1/2015,2020-01-01,,,\n')
    name, header, rows = export_files(allowed_department)[0]
    assert name == "officers.csv" and tuple(header) == ROSTER_COLUMNS
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    report = run(allowed_department, "\ufeff" + text.getvalue())
    assert report.ok and (report.created, report.updated, report.unchanged) == (0, 0, 3)


# --- Hostile years, the effective date, the plan digest, the assignments it reports -------------
@pytest.mark.parametrize(("cell"), [c for _, c in HOSTILE_YEARS], ids=[i for i, _ in HOSTILE_YEARS])
def test_a_birth_year_in_other_digits_is_an_error_not_a_crash(allowed_department, cell):
    report = run(allowed_department, f"badge_number,first_name,last_name,birth_year\n1,Ana,Ruiz,{cell}\n")
    assert errors(report) == [(2, "birth_year")] and not Officer.objects.exists()


@pytest.mark.parametrize("effective", [D(9999, 12, 31), D(1900, 1, 1)])
def test_an_effective_date_decades_away_is_an_error_at_every_door(allowed_department, effective):
    report = run(allowed_department, BASIC, effective_date=effective)
    assert errors(report) == [(0, "effective_date")] and "too far from today" in report.errors[0].message
    assert not Officer.objects.exists()


def test_the_command_refuses_an_effective_date_decades_away(allowed_department, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text(BASIC)
    with pytest.raises(CommandError):
        call_command("import_roster", allowed_department.slug, str(path), "--effective-date=9999-12-31")
    assert not Officer.objects.exists()


def test_an_import_expecting_another_plan_writes_nothing_and_says_the_plan_changed(allowed_department):
    run(allowed_department, BASIC, effective_date=D(2024, 1, 1))
    renamed = BASIC.replace("Reyes", "Reyes-Ortiz")
    preview = run(allowed_department, renamed, dry_run=True, effective_date=D(2024, 2, 1))
    assert preview.ok and len(preview.plan_digest) == 64
    ana = officers(allowed_department)["E1"]
    ana.first_name = "Anna"  # a correction saved after the preview
    ana.save()
    report = run(allowed_department, renamed, effective_date=D(2024, 2, 1), expect_digest=preview.plan_digest)
    assert report.plan_changed and not report.applied and report.plan_digest != preview.plan_digest
    assert officers(allowed_department)["E1"].first_name == "Anna"
    assert officers(allowed_department)["E1"].last_name == "Reyes"
    again = run(allowed_department, renamed, effective_date=D(2024, 2, 1), expect_digest=report.plan_digest)
    assert again.applied and officers(allowed_department)["E1"].last_name == "Reyes-Ortiz"


def test_the_digest_covers_changes_beyond_the_ones_kept_for_the_preview(allowed_department, monkeypatch):
    from departments import roster

    monkeypatch.setattr(roster, "MAX_CHANGES", 1)
    run(allowed_department, BASIC, effective_date=D(2024, 1, 1))
    renamed = BASIC.replace("Reyes", "Reyes-Ortiz").replace("Okafor", "Okafor-Lee")
    preview = run(allowed_department, renamed, dry_run=True, effective_date=D(2024, 2, 1))
    assert preview.changes_truncated
    ben = officers(allowed_department)["E2"]
    ben.first_name = "Benjamin"
    ben.save()
    later = run(allowed_department, renamed, dry_run=True, effective_date=D(2024, 2, 1))
    assert later.plan_digest != preview.plan_digest


def test_the_report_names_the_assignments_the_import_opened_and_closed(allowed_department):
    run(allowed_department, BASIC, effective_date=D(2024, 1, 1))
    first = {o.pk: o.assignments.get().pk for o in Officer.objects.all()}
    report = run(allowed_department, BASIC.replace("Sergeant", "Lieutenant"), effective_date=D(2024, 2, 1))
    ben = officers(allowed_department)["E2"]
    assert report.closed_assignments == {ben.pk: first[ben.pk]}
    assert report.opened_assignments == {ben.pk: ben.assignments.get(end_date__isnull=True).pk}
    assert "opened_assignments" not in report.as_dict()
