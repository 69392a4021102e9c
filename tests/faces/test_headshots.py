"""Headshot imports on real photos: each file identified, refused or reported, behind the gate."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from departments.models import Department, RecordChange
from departments.services import SYSTEM
from faces.models import Decision, Face, HeadshotBatch, HeadshotItem, Image, MatchSuggestion, RecognitionEvent
from faces.pipeline.search import search_gallery
from faces.services.headshot_files import (
    EOCD,
    ZIP64_EOCD,
    ZIP64_LOCATOR,
    HeadshotFile,
    HeadshotSource,
    HeadshotsRejected,
    from_path,
    from_zip,
    read_mapping,
)
from faces.services.headshots import headshot_batch_create, headshot_batch_run, headshot_item_process
from faces.services.recognition import department_set_recognition
from oversight.exceptions import NotPermitted
from tests import factories
from tests.conftest import photo
from tests.hostile import corpus

Status = HeadshotItem.Status


def hostile(name: str) -> bytes:
    return next(item for item in corpus() if item.name == name).read()


def folder(tmp_path: Path, files: dict[str, bytes]) -> Path:
    root = tmp_path / "headshots"
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return root


def zip_of(files: dict[str, bytes]) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    buffer.seek(0)
    return buffer


def run(department: Department, source, *, actor=SYSTEM, mapping=None) -> dict[str, HeadshotItem]:
    batch = headshot_batch_create(department=department, source=source, actor=actor, mapping=mapping)
    headshot_batch_run(batch)
    return {item.file_name: item for item in HeadshotItem.objects.filter(batch=batch).select_related("face", "image")}


@pytest.fixture
def roster(allowed_department):
    """Officer 1001 by employee ID (obama), 1002 by badge number (biden), 1003 and 1004 for the failures."""
    return {
        "1001": factories.officer(allowed_department, last_name="Obama", employee_id="1001", badge_number="B-1"),
        "1002": factories.officer(allowed_department, last_name="Biden", badge_number="1002"),
        "1003": factories.officer(allowed_department, badge_number="1003"),
        "1004": factories.officer(allowed_department, badge_number="1004"),
        "1005": factories.officer(allowed_department, badge_number="1005"),
    }


def test_each_file_is_identified_or_reported_with_its_reason(allowed_department, roster, tmp_path):
    items = run(
        allowed_department,
        from_path(
            folder(
                tmp_path,
                {
                    "1001.jpg": photo("obama_1.jpg"),
                    "1002.jpg": photo("biden_1.jpg"),
                    "1003.jpg": photo("noface_cars.jpg"),
                    "1004.jpg": photo("group_obama_biden.jpg"),
                    "1005.jpg": hostile("truncated.jpg"),
                    "9999.jpg": photo("kit_harington_1.jpg"),
                },
            )
        ),
    )
    assert {name: item.status for name, item in items.items()} == {
        "1001.jpg": Status.DONE,
        "1002.jpg": Status.DONE,
        "1003.jpg": Status.NO_FACE,
        "1004.jpg": Status.SEVERAL_FACES,
        "1005.jpg": Status.BAD_IMAGE,
        "9999.jpg": Status.UNKNOWN_OFFICER,
    }
    for key in ("1001", "1002"):
        face = items[f"{key}.jpg"].face
        assert face.officer == roster[key] and face.use_for_recognition and face.embedding is not None
        assert face.image.contains_officers is True
        assert Decision.objects.filter(face=face, kind=Decision.Kind.IDENTIFY).exists()
    assert "9999" in items["9999.jpg"].message and items["9999.jpg"].image is None
    assert "truncated" in items["1005.jpg"].message.lower() or "damaged" in items["1005.jpg"].message.lower()
    several = items["1004.jpg"].image
    assert several.faces.count() == 2 and not several.faces.filter(officer__isnull=False).exists()
    assert several.contains_officers is None  # left for volunteers, like the no-face photo
    assert Image.objects.filter(department=allowed_department).count() == 4  # nothing stored for 9999 or 1005
    batch = HeadshotBatch.objects.get()
    assert batch.finished_at is not None and batch.source == "headshots"
    change = RecordChange.objects.get(what="headshots.import")
    assert change.object_id == batch.pk and change.after["files"] == 6 and change.actor is None


def test_a_later_photo_of_an_imported_officer_gets_them_as_its_top_suggestion(allowed_department, roster, tmp_path):
    run(
        allowed_department,
        from_path(folder(tmp_path, {"1001.jpg": photo("obama_1.jpg"), "1002.jpg": photo("biden_1.jpg")})),
    )
    later = factories.image(allowed_department, "obama_2.jpg", processed=True)
    suggestions = list(later.faces.get().suggestions.order_by("rank"))
    assert suggestions and suggestions[0].officer == roster["1001"]
    assert suggestions[0].distance < 0.6


@pytest.mark.parametrize("where", ["disallowed_department", "illinois_department"])
def test_without_recognition_the_officer_is_identified_and_shown_but_no_face_data_is_computed(request, where, tmp_path):
    department = request.getfixturevalue(where)
    officer = factories.officer(department, employee_id="1001")
    items = run(department, from_path(folder(tmp_path, {"1001.jpg": photo("obama_1.jpg")})))
    item = items["1001.jpg"]
    assert item.status == Status.DONE and "No face data" in item.message
    face = Face.objects.get(pk=item.face_id)
    assert face.officer == officer and face.use_for_recognition and face.embedding is None
    assert not Face.objects.filter(image__department=department, embedding__isnull=False).exists()
    assert not MatchSuggestion.objects.exists() and not RecognitionEvent.objects.exists()


def test_turning_recognition_on_later_backfills_the_imported_gallery(
    disallowed_department, admin_user, tmp_path, django_capture_on_commit_callbacks
):
    officer = factories.officer(disallowed_department, employee_id="1001")
    face = run(disallowed_department, from_path(folder(tmp_path, {"1001.jpg": photo("obama_1.jpg")})))["1001.jpg"].face
    with django_capture_on_commit_callbacks(execute=True):  # the backfill task runs (eagerly) after commit
        department_set_recognition(disallowed_department, allowed=True, actor=admin_user, reason="Council vote")
    face.refresh_from_db()
    assert face.embedding is not None and face.officer == officer and face.use_for_recognition
    matches = search_gallery(face.embedding, exclude_image_id=None, exclude_officer_ids=[])
    assert matches[0].officer_id == officer.pk


def test_a_zip_reports_unsafe_names_non_images_and_oversized_entries(allowed_department, roster, settings):
    settings.UPLOAD_MAX_BYTES = 2 * 1024 * 1024
    archive = zip_of(
        {
            "team/2024/1001.jpg": photo("obama_1.jpg"),  # nested folders: the base name counts
            "../../1002.jpg": photo("biden_1.jpg"),
            "/etc/1003.jpg": photo("biden_1.jpg"),
            "1004.jpg": b"\0" * (3 * 1024 * 1024),  # inflates past the limit from a few kB
            "1005.jpg": hostile("bomb.png"),  # 20000 x 20000 pixels
            "readme.txt": b"Headshots 2024",
            "__MACOSX/._1001.jpg": b"junk",
        }
    )
    items = run(allowed_department, from_zip(archive, "headshots.zip"))
    assert {name: item.status for name, item in items.items()} == {
        "team/2024/1001.jpg": Status.DONE,
        "../../1002.jpg": Status.BAD_IMAGE,
        "/etc/1003.jpg": Status.BAD_IMAGE,
        "1004.jpg": Status.BAD_IMAGE,
        "1005.jpg": Status.BAD_IMAGE,
        "readme.txt": Status.UNKNOWN_OFFICER,
    }
    assert "outside the archive" in items["../../1002.jpg"].message
    assert "larger than the 2 MB limit" in items["1004.jpg"].message
    assert "pixels" in items["1005.jpg"].message
    assert Image.objects.count() == 1


def test_a_mapping_names_files_and_reports_the_ones_missing_or_unlisted(allowed_department, roster, tmp_path):
    mapping = read_mapping(io.BytesIO(b"filename,employee_id\r\nchief.jpg,1001\r\nabsent.jpg,1002\r\n"))
    items = run(
        allowed_department,
        from_path(folder(tmp_path, {"chief.jpg": photo("obama_1.jpg"), "1002.jpg": photo("biden_1.jpg")})),
        mapping=mapping,
    )
    assert items["chief.jpg"].status == Status.DONE and items["chief.jpg"].face.officer == roster["1001"]
    assert items["1002.jpg"].status == Status.UNKNOWN_OFFICER and "mapping" in items["1002.jpg"].message
    assert items["absent.jpg"].status == Status.MISSING


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"\xff\xfe\x00bad", "UTF-8"),
        (b"chief.jpg\n", "line 1"),
        (b"a.jpg,1001\na.jpg,1002\n", "two different IDs"),
        (b"x" * 252 + b".jpg,1001\n", "longer than 255"),
        (b"a.jpg," + b"9" * 101 + b"\n", "longer than 100"),
        (b"a\x00.jpg,1001\n", "control"),
        (b"a.jpg,10\x0001\n", "control"),
        (b"a\x1b[31m.jpg,1001\n", "control"),
        ("a\u202egpj.exe,1001\n".encode(), "invisible"),
    ],
)
def test_a_bad_mapping_is_refused_whole(content, fragment):
    with pytest.raises(HeadshotsRejected, match=fragment):
        read_mapping(io.BytesIO(content))


def test_a_name_that_is_one_officers_id_and_anothers_badge_is_refused_not_guessed(allowed_department, tmp_path):
    factories.officer(allowed_department, employee_id="777")
    factories.officer(allowed_department, badge_number="777")
    items = run(allowed_department, from_path(folder(tmp_path, {"777.jpg": photo("obama_1.jpg")})))
    assert items["777.jpg"].status == Status.UNKNOWN_OFFICER and "mapping file" in items["777.jpg"].message
    assert not Image.objects.exists()


def test_a_batch_over_the_limits_is_refused_before_anything_is_stored(allowed_department, roster, tmp_path, settings):
    settings.HEADSHOTS_MAX_FILES = 1
    with pytest.raises(HeadshotsRejected, match="limit is 1"):
        from_path(folder(tmp_path, {"1001.jpg": photo("obama_1.jpg"), "1002.jpg": photo("biden_1.jpg")}))
    settings.HEADSHOTS_MAX_FILES = 10
    settings.HEADSHOTS_MAX_TOTAL_BYTES = 1000
    with pytest.raises(HeadshotsRejected, match="MB per batch"):
        from_zip(zip_of({"1001.jpg": photo("obama_1.jpg")}), "a.zip")
    with pytest.raises(HeadshotsRejected, match="not a ZIP"):
        from_zip(io.BytesIO(b"PK\x03\x04 not really"), "a.zip")
    assert not Image.objects.exists() and not HeadshotBatch.objects.exists()


def test_only_coordinators_of_the_department_and_administrators_may_import(allowed_department, roster, users, tmp_path):
    source = from_path(folder(tmp_path, {"1001.jpg": photo("obama_1.jpg")}))
    for role in ("volunteer", "other_coordinator", "member"):
        with pytest.raises(NotPermitted):
            headshot_batch_create(department=allowed_department, source=source, actor=users[role])
    batch = headshot_batch_create(department=allowed_department, source=source, actor=users["coordinator"])
    headshot_batch_run(batch)
    face = batch.items.get().face
    assert face.identified_by == users["coordinator"] and face.image.uploaded_by == users["coordinator"]
    assert RecordChange.objects.get(what="headshots.import").actor == users["coordinator"]


def test_a_photo_already_on_the_site_for_another_department_is_not_moved(
    allowed_department, other_department, roster, tmp_path
):
    factories.image(other_department, "obama_1.jpg")
    items = run(allowed_department, from_path(folder(tmp_path, {"1001.jpg": photo("obama_1.jpg")})))
    assert items["1001.jpg"].status == Status.FAILED and "another department" in items["1001.jpg"].message
    assert Image.objects.get().department == other_department


def test_importing_the_same_headshot_twice_changes_nothing_the_second_time(allowed_department, roster, tmp_path):
    files = folder(tmp_path, {"1001.jpg": photo("obama_1.jpg")})
    first = run(allowed_department, from_path(files))["1001.jpg"]
    second = run(allowed_department, from_path(files))["1001.jpg"]
    assert second.status == Status.DONE and second.face_id == first.face_id
    assert Decision.objects.filter(kind=Decision.Kind.IDENTIFY).count() == 1
    assert headshot_item_process(second.pk) == "skipped"  # a redelivered task leaves it alone


def test_the_command_prints_a_line_per_file_and_a_summary(allowed_department, roster, tmp_path):
    out = io.StringIO()
    path = folder(tmp_path, {"1001.jpg": photo("obama_1.jpg"), "9999.jpg": photo("biden_1.jpg")})
    call_command("import_headshots", "springfield", str(path), stdout=out)
    text = out.getvalue()
    assert "1001.jpg: identified — Identified as Test Obama" in text
    assert "9999.jpg: unknown officer" in text
    assert "2 files. identified: 1, unknown officer: 1." in text


def test_the_command_refuses_an_unknown_department_and_a_path_that_is_no_zip(allowed_department, tmp_path):
    with pytest.raises(CommandError, match="No department"):
        call_command("import_headshots", "nowhere", str(tmp_path))
    (tmp_path / "x.txt").write_text("hello")
    with pytest.raises(CommandError, match="folder or a ZIP"):
        call_command("import_headshots", "springfield", str(tmp_path / "x.txt"))


def test_the_sweep_runs_a_headshot_whose_task_was_lost_through_its_own_task(allowed_department, roster, tmp_path):
    from datetime import timedelta

    from django.utils import timezone

    from faces.tasks import sweep_stuck_images

    source = from_path(folder(tmp_path, {"1001.jpg": photo("obama_1.jpg")}))
    batch = headshot_batch_create(department=allowed_department, source=source, actor=SYSTEM)  # never queued
    long_ago = timezone.now() - timedelta(hours=1)
    HeadshotItem.objects.update(updated_at=long_ago)
    Image.objects.update(updated_at=long_ago)
    assert sweep_stuck_images() == 1  # the item, not also its photo on its own
    item = batch.items.get()
    assert item.status == Status.DONE and item.face.officer == roster["1001"]


def test_a_headshot_among_smaller_faces_is_identified_but_kept_out_of_the_gallery_until_someone_checks_it(
    allowed_department, roster, tmp_path, settings
):
    settings.HEADSHOTS_DOMINANT_FACE_RATIO = 1.0  # the larger of the two faces counts as dominant
    source = from_path(folder(tmp_path, {"1001.jpg": photo("group_obama_biden.jpg")}))
    item = run(allowed_department, source)["1001.jpg"]
    assert item.status == Status.DONE
    assert "check the crop and add it to the gallery from the gallery page" in item.message
    face = Face.objects.get(pk=item.face_id)
    assert face.officer == roster["1001"] and not face.use_for_recognition
    assert face.embedding is not None  # computed (recognition is allowed) but not offered to searches
    matches = search_gallery(face.embedding, exclude_image_id=None, exclude_officer_ids=[])
    assert roster["1001"].pk not in {m.officer_id for m in matches}


def test_a_headshot_is_never_searched_against_the_gallery(allowed_department, roster, tmp_path):
    # obama_2 would find obama_1 (imported first) if it were searched.
    files = {"1001.jpg": photo("obama_1.jpg"), "1002.jpg": photo("biden_1.jpg"), "1003.jpg": photo("obama_2.jpg")}
    items = run(allowed_department, from_path(folder(tmp_path, files)))
    assert {item.status for item in items.values()} == {Status.DONE}
    assert all(item.face.embedding is not None for item in items.values())
    assert not MatchSuggestion.objects.exists() and not RecognitionEvent.objects.exists()


def test_recognition_turned_off_between_intake_and_processing_leaves_no_face_data(
    allowed_department, roster, admin_user, tmp_path
):
    source = from_path(folder(tmp_path, {"1001.jpg": photo("obama_1.jpg")}))
    batch = headshot_batch_create(department=allowed_department, source=source, actor=SYSTEM)
    department_set_recognition(allowed_department, allowed=False, actor=admin_user, reason="Council vote")
    headshot_batch_run(batch)
    item = batch.items.select_related("face").get()
    assert item.status == Status.DONE and "No face data" in item.message
    assert item.face.officer == roster["1001"] and item.face.embedding is None
    assert not MatchSuggestion.objects.exists() and not RecognitionEvent.objects.exists()


def test_a_face_too_small_to_compare_says_so_rather_than_blaming_the_department(
    allowed_department, roster, tmp_path, settings
):
    settings.FACES_MIN_FACE_PX = 5000
    item = run(allowed_department, from_path(folder(tmp_path, {"1001.jpg": photo("obama_1.jpg")})))["1001.jpg"]
    assert item.status == Status.DONE and "too small to compare" in item.message
    assert "no recognition for this department" not in item.message


def test_a_file_that_fails_unexpectedly_is_reported_and_the_others_are_still_imported(allowed_department, roster):
    def broken() -> bytes:
        raise RuntimeError("disk on fire")

    files = [
        HeadshotFile("1001.jpg", read=broken),
        HeadshotFile("1002.jpg", read=lambda: photo("biden_1.jpg")),
    ]
    items = run(allowed_department, HeadshotSource("two", files))
    assert items["1001.jpg"].status == Status.FAILED and "RuntimeError" in items["1001.jpg"].message
    assert items["1002.jpg"].status == Status.DONE
    assert RecordChange.objects.filter(what="headshots.import").count() == 1


def test_an_intake_cut_short_is_recorded_and_its_unstored_files_are_reported_by_the_sweep(allowed_department, roster):
    from datetime import timedelta

    from django.utils import timezone

    from faces.tasks import sweep_stuck_images

    class Killed(BaseException):
        """What a worker killed mid-request looks like to the code it interrupts."""

    def killed() -> bytes:
        raise Killed

    files = [
        HeadshotFile("1001.jpg", read=lambda: photo("obama_1.jpg")),
        HeadshotFile("1002.jpg", read=killed),
        HeadshotFile("1003.jpg", read=lambda: photo("biden_1.jpg")),
    ]
    with pytest.raises(Killed):
        headshot_batch_create(department=allowed_department, source=HeadshotSource("three", files), actor=SYSTEM)
    batch = HeadshotBatch.objects.get()
    assert RecordChange.objects.get(what="headshots.import").object_id == batch.pk
    assert dict(batch.items.values_list("file_name", "status")) == {
        "1001.jpg": Status.QUEUED,
        "1002.jpg": Status.RECEIVED,
        "1003.jpg": Status.RECEIVED,
    }
    HeadshotItem.objects.update(updated_at=timezone.now() - timedelta(hours=2))
    Image.objects.update(updated_at=timezone.now() - timedelta(hours=2))
    sweep_stuck_images()
    items = {item.file_name: item for item in batch.items.all()}
    assert items["1001.jpg"].status == Status.DONE
    assert items["1002.jpg"].status == items["1003.jpg"].status == Status.FAILED
    assert "send it again" in items["1003.jpg"].message
    batch.refresh_from_db()
    assert batch.finished_at is not None


def test_a_mapped_file_refused_for_its_name_is_not_also_reported_missing(allowed_department, roster):
    mapping = read_mapping(io.BytesIO(b"chief.jpg,1001\n"))
    source = from_zip(zip_of({"../../chief.jpg": photo("obama_1.jpg")}), "a.zip")
    items = run(allowed_department, source, mapping=mapping)
    assert {name: item.status for name, item in items.items()} == {"../../chief.jpg": Status.BAD_IMAGE}


def _end_records(entries: int, *, zip64: bool) -> bytes:
    if not zip64:
        return EOCD.pack(b"PK\x05\x06", 0, 0, entries, entries, 46 * entries, 0, 0)
    return (
        ZIP64_EOCD.pack(b"PK\x06\x06", 44, 45, 45, 0, 0, entries, entries, 46 * entries, 0)
        + ZIP64_LOCATOR.pack(b"PK\x06\x07", 0, 0, 1)
        + EOCD.pack(b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    )


@pytest.mark.parametrize("zip64", [False, True], ids=["zip", "zip64"])
def test_a_zip_declaring_too_many_entries_is_refused_before_its_directory_is_parsed(monkeypatch, settings, zip64):
    settings.HEADSHOTS_MAX_FILES = 10
    real = zip_of({f"{n}.jpg": b"x" for n in range(200)})

    def never(*args, **kwargs):
        raise AssertionError("zipfile parsed the whole directory")

    monkeypatch.setattr(zipfile, "ZipFile", never)
    with pytest.raises(HeadshotsRejected, match="limit is 10"):
        from_zip(real, "real.zip")
    with pytest.raises(HeadshotsRejected, match="limit is 10"):
        from_zip(io.BytesIO(b"PK\x03\x04" + _end_records(60_000 if not zip64 else 10**9, zip64=zip64)), "huge.zip")


def test_a_zip_with_a_macos_twin_for_each_photo_is_still_read(allowed_department, roster, settings):
    settings.HEADSHOTS_MAX_FILES = 2
    archive = zip_of(
        {
            "team/1001.jpg": photo("obama_1.jpg"),
            "__MACOSX/team/._1001.jpg": b"junk",
            "team/1002.jpg": photo("biden_1.jpg"),
            "__MACOSX/team/._1002.jpg": b"junk",
        }
    )
    assert [file.name for file in from_zip(archive, "mac.zip").files] == ["team/1001.jpg", "team/1002.jpg"]
