"""Processing a video with real faces: sequences and stills everywhere, recognition only behind the gate."""

from __future__ import annotations

import pytest

from faces.models import Face, Image, MatchSuggestion, RecognitionEvent
from tests import factories
from tests.videos.clips_motion import motion_clip, stored_video
from videos.models import FaceSequence, SequenceFace, Video
from videos.services.processing import video_process

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    path, _truth = motion_clip(tmp_path_factory.mktemp("clips") / "two.mp4", seconds=3.0)
    return path


def still_faces(video: Video):
    return Face.objects.filter(video_still__sequence__video=video)


def test_two_people_moving_and_scaling_become_two_sequences_with_stills(clip, disallowed_department):
    video = stored_video(disallowed_department, clip)
    assert video_process(video.pk) == "done"
    video.refresh_from_db()
    assert video.status == Video.Status.DONE
    assert video.frames_total == 75 and video.frames_done == 75
    sequences = list(video.sequences.all())
    assert [s.number for s in sequences] == [1, 2]
    for sequence in sequences:
        assert sequence.frame_count >= 12  # ~6 samples a second over 3 s, every one with the face
        assert sequence.last_time - sequence.first_time > 2.5
        assert len(sequence.track) == sequence.frame_count
        stills = list(sequence.stills.select_related("face__image"))
        assert len(stills) == 3
        assert len({round(s.time, 1) for s in stills}) == 3
        for still in stills:
            assert still.face.image.department_id == video.department_id
            assert still.face.image.status == Image.Status.DONE
            assert still.face.source == Face.Source.DETECTOR
            assert (still.face.image.width, still.face.image.height) == (960, 540)
    # The two tracks never swap: one stays on the left half, the other on the right.
    left, right = sorted(sequences, key=lambda s: s.track[0][1])
    assert all(row[1] + row[3] / 2 < 480 for row in left.track)
    assert all(row[1] + row[3] / 2 > 480 for row in right.track)


def test_illinois_gets_sequences_stills_and_a_blurred_rendition_but_no_biometrics(clip, illinois_department):
    video = stored_video(illinois_department, clip)
    video_process(video.pk)
    video.refresh_from_db()
    assert video.sequences.count() == 2
    assert still_faces(video).count() == 6
    assert video.public_file.name.endswith(".mp4") and video.poster.name.endswith(".jpg")
    assert not still_faces(video).filter(embedding__isnull=False).exists()
    assert all(f.embedding_skipped_reason for f in still_faces(video))
    assert not RecognitionEvent.objects.filter(department=illinois_department).exists()
    assert not MatchSuggestion.objects.filter(face__image__department=illinois_department).exists()


def test_with_recognition_on_the_officer_in_the_gallery_is_suggested_for_their_sequence(clip, allowed_department):
    officer = factories.gallery_officer(allowed_department, "obama_2.jpg", last_name="Obama", badge_number="44")
    video = stored_video(allowed_department, clip)
    video_process(video.pk)
    assert still_faces(video).filter(embedding__isnull=False).count() == 6
    suggested = MatchSuggestion.objects.filter(face__video_still__sequence__video=video)
    assert list(suggested.values_list("officer_id", flat=True)) == [officer.pk]
    suggestion = suggested.get()
    # On the best still of the sequence that shows him (the one on the left: obama_1 walks in from there).
    best = suggestion.face.video_still
    sequence = best.sequence
    assert best.quality == max(s.quality for s in sequence.stills.all())
    assert sequence.track[0][1] < 480
    assert RecognitionEvent.objects.filter(face=suggestion.face, outcome="searched").exists()


def test_running_twice_does_not_duplicate_sequences_or_stills(clip, allowed_department):
    video = stored_video(allowed_department, clip)
    video_process(video.pk)
    before = (FaceSequence.objects.count(), SequenceFace.objects.count(), Image.objects.count(), Face.objects.count())
    assert video_process(video.pk) == "skipped"  # done already
    # A redelivered task (the row still `processing`) scans again and replaces, reusing the stills.
    Video.objects.filter(pk=video.pk).update(status=Video.Status.PROCESSING, frames_done=0)
    assert video_process(video.pk) == "done"
    after = (FaceSequence.objects.count(), SequenceFace.objects.count(), Image.objects.count(), Face.objects.count())
    assert after == before


def test_a_run_that_died_after_the_scan_resumes_at_the_matching(clip, allowed_department):
    video = stored_video(allowed_department, clip)
    video_process(video.pk)
    sequences = list(video.sequences.values_list("pk", flat=True))
    Face.objects.filter(video_still__sequence__video=video).update(embedding=None, embedding_skipped_reason="")
    Video.objects.filter(pk=video.pk).update(status=Video.Status.PROCESSING)
    assert video_process(video.pk) == "done"
    assert list(video.sequences.values_list("pk", flat=True)) == sequences  # not scanned again
    assert still_faces(video).filter(embedding__isnull=False).count() == 6


def test_an_unreadable_video_fails_with_a_reason(tmp_path, allowed_department):
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"junk" * 100)
    video = Video.objects.create(
        file=f"videos/originals/{bad.name}",
        sha256="b" * 64,
        department=allowed_department,
        width=10,
        height=10,
        duration_seconds=1,
        fps=0,
    )
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    default_storage.save(video.file.name, ContentFile(bad.read_bytes()))
    assert video_process(video.pk) == "failed"
    video.refresh_from_db()
    assert video.status == Video.Status.FAILED and "could not be decoded" in video.error


def test_the_sweep_queues_a_video_left_queued_and_fails_one_interrupted_too_often(clip, illinois_department, settings):
    from datetime import timedelta

    from django.utils import timezone

    from videos.tasks import sweep_stuck_videos

    lost = stored_video(illinois_department, clip)
    old = timezone.now() - timedelta(seconds=settings.SWEEP_QUEUED_AFTER_SECONDS + 5)
    Video.objects.filter(pk=lost.pk).update(updated_at=old)
    assert sweep_stuck_videos() == 1  # eager in tests: processed on the spot
    lost.refresh_from_db()
    assert lost.status == Video.Status.DONE and lost.sequences.count() == 2
    dead = timezone.now() - timedelta(seconds=settings.VIDEO_TASK_TIME_LIMIT + 200)
    Video.objects.filter(pk=lost.pk).update(status=Video.Status.PROCESSING, attempts=5, updated_at=dead)
    assert sweep_stuck_videos() == 0
    lost.refresh_from_db()
    assert lost.status == Video.Status.FAILED and "interrupted" in lost.error


def test_the_task_fails_a_video_visibly_when_processing_raises(clip, illinois_department, monkeypatch):
    from videos import tasks
    from videos.services import processing

    def broken(video):
        raise RuntimeError("tracker bug")

    monkeypatch.setattr(processing, "video_scan", broken)
    video = stored_video(illinois_department, clip)
    assert tasks.process_video.delay(video.pk).get() == "failed"
    video.refresh_from_db()
    assert video.status == Video.Status.FAILED and "tracker bug" in video.error


def test_progress_is_written_while_the_scan_runs_and_reaches_the_total_only_when_committed(
    clip, illinois_department, settings
):
    from videos.services.processing import sequences_replace, video_scan

    settings.VIDEO_PROGRESS_EVERY_FRAMES = 10
    video = stored_video(illinois_department, clip)
    seen: list[tuple[int, int]] = []

    def look(index: int, time: float) -> None:
        seen.append(Video.objects.values_list("frames_done", "frames_total").get(pk=video.pk))

    scan = video_scan(video, on_sample=look)
    assert seen[-1][1] == 75
    done = [d for d, _total in seen]
    assert done == sorted(done) and 0 < done[-1] < 75  # below the total: not "scanned" yet
    assert scan.frames == 75 and 12 <= scan.samples <= 20
    sequences_replace(video, scan)
    video.refresh_from_db()
    assert video.frames_done == video.frames_total == 75


def test_a_video_taken_down_during_its_scan_leaves_no_still_row_or_file(clip, allowed_department):
    from django.core.files.storage import default_storage

    from videos.services.processing import sequences_replace, video_scan
    from videos.services.takedown import video_takedown_by_site

    video = stored_video(allowed_department, clip)
    scan = video_scan(video)
    assert scan.sequences  # there were faces to keep
    video_takedown_by_site(video, reason="Taken down while the worker was scanning it.")

    assert sequences_replace(video, scan) is False
    assert not Image.objects.exists() and not Face.objects.exists()
    folders = default_storage.listdir("originals")[0] if default_storage.exists("originals") else []
    assert [f for d in folders for f in default_storage.listdir(f"originals/{d}")[1]] == []  # no still file


def test_enabling_recognition_matches_a_videos_stills_as_sets_not_one_by_one(clip, disallowed_department):
    from faces.services import recognition
    from faces.services.processing import department_backfill

    video = stored_video(disallowed_department, clip)
    video_process(video.pk)
    assert not still_faces(video).filter(embedding__isnull=False).exists()
    recognition.department_set_recognition(disallowed_department, allowed=True, actor=None, reason="now allowed")
    officer = factories.gallery_officer(disallowed_department, "obama_2.jpg", last_name="Obama", badge_number="44")

    department_backfill(disallowed_department.pk)

    assert still_faces(video).filter(embedding__isnull=False).count() == 6
    # One search per sequence, its suggestion on the sequence's best still: never one per still.
    suggested = MatchSuggestion.objects.filter(face__video_still__sequence__video=video)
    assert list(suggested.values_list("officer_id", flat=True)) == [officer.pk]
    best = suggested.get().face.video_still
    assert best.quality == max(s.quality for s in best.sequence.stills.all())
