"""The gate holds for videos: a department without recognition never holds biometric data from one.

Stills are ordinary photos, so the database's triggers (faces/migrations/0005) cover them; these
tests turn the flag off in the middle of a video's processing (the race) and draw sequences of
operations with videos among them (the property), checking the data after every step.
"""

from __future__ import annotations

import itertools

import pytest
from django.db.models import Q
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from departments import policy
from departments.models import Department
from faces import services
from faces.models import Face, Image, MatchSuggestion
from faces.models_gallery import OfficerCentroid
from faces.services import processing as face_processing
from faces.services import recognition
from tests import factories
from tests.videos.clips_motion import motion_clip, stored_video
from videos.models import Video
from videos.services import matching
from videos.services.processing import video_process

EXAMPLES = itertools.count()


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    path, _truth = motion_clip(tmp_path_factory.mktemp("clips") / "two.mp4", seconds=2.0)
    return path


def assert_no_biometric_data(department: Department) -> None:
    ours = Q(image__department=department) | Q(officer__department=department)
    assert not Face.objects.filter(ours, embedding__isnull=False).exists()
    assert not MatchSuggestion.objects.filter(
        Q(face__image__department=department) | Q(officer__department=department), status="pending"
    ).exists()
    assert not OfficerCentroid.objects.filter(department_id=department.pk).exists()


def turn_off(department: Department) -> None:
    recognition.department_set_recognition(department, allowed=False, actor=None, reason="gate test")


def count_embedding_calls(monkeypatch) -> list[int]:
    """Every descriptor computation the photo pipeline starts, by the department it is for."""
    calls: list[int] = []
    real = face_processing.compute_embeddings

    def counting(rgb, boxes, department, **kwargs):
        calls.append(int(department))
        return real(rgb, boxes, department, **kwargs)

    monkeypatch.setattr(face_processing, "compute_embeddings", counting)
    return calls


@pytest.mark.django_db
def test_the_flag_turned_off_after_the_first_still_stops_embedding_and_nothing_stays(
    clip, allowed_department, monkeypatch
):
    factories.gallery_officer(allowed_department, "obama_2.jpg")
    calls = count_embedding_calls(monkeypatch)
    before = len(calls)
    real = matching.faces_embed_and_search

    def embed_then_turn_off(rgb, image, faces, **kwargs):
        real(rgb, image, faces, **kwargs)
        if policy.recognition_allowed(allowed_department.pk):
            assert Face.objects.filter(pk=faces[0].pk, embedding__isnull=False).exists()  # one was written
            turn_off(allowed_department)

    monkeypatch.setattr(matching, "faces_embed_and_search", embed_then_turn_off)
    video = stored_video(allowed_department, clip)
    assert video_process(video.pk) == "done"
    assert len(calls) == before + 1  # the first still only: none computed after the flag went off
    assert_no_biometric_data(allowed_department)
    stills = Face.objects.filter(video_still__sequence__video=video)
    assert stills.count() == 6
    assert all(f.embedding_skipped_reason for f in stills)


@pytest.mark.django_db
def test_the_flag_turned_off_after_a_sequence_was_matched_withdraws_its_suggestions(
    clip, allowed_department, monkeypatch
):
    factories.gallery_officer(allowed_department, "obama_2.jpg")
    factories.gallery_officer(allowed_department, "biden_1.jpg")
    real = matching.sequence_match
    matched = []

    def match_then_turn_off(sequence):
        matched.append(real(sequence))
        turn_off(allowed_department)
        return matched[-1]

    monkeypatch.setattr(matching, "sequence_match", match_then_turn_off)
    video = stored_video(allowed_department, clip)
    video_process(video.pk)
    assert len(matched) == 1 and matched[0]  # the first sequence got its suggestion before the flag went off
    assert_no_biometric_data(allowed_department)
    assert MatchSuggestion.objects.filter(face__video_still__sequence__video=video, status="withdrawn").exists()


@pytest.mark.django_db
def test_a_video_of_an_illinois_department_never_reaches_the_descriptor_code(clip, illinois_department, monkeypatch):
    calls = count_embedding_calls(monkeypatch)
    video = stored_video(illinois_department, clip)
    assert video_process(video.pk) == "done"
    assert Face.objects.filter(video_still__sequence__video=video).count() == 6
    assert calls == []
    assert_no_biometric_data(illinois_department)


OPERATIONS = ["video", "reprocess_video", "on_then_off", "backfill", "toggle_other"]


@pytest.mark.django_db
@hsettings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(steps=st.lists(st.sampled_from(OPERATIONS), min_size=1, max_size=3))
def test_a_department_with_recognition_off_never_holds_biometric_data_from_a_video(steps, clip, other_department):
    n = next(EXAMPLES)
    department = Department.objects.create(name=f"Video Off PD {n}", slug=f"video-off-pd-{n}", state="CA")
    # The other department's gallery holds the same person, so a leak would show as a match.
    if not other_department.officers.filter(last_name="Gallery").exists():
        factories.gallery_officer(other_department, "obama_2.jpg", last_name="Gallery")
    try:
        for operation in steps:
            videos = list(Video.objects.filter(department=department))
            if operation in ("video", "reprocess_video") and not videos:
                video_process(stored_video(department, clip).pk)
            elif operation in ("video", "reprocess_video"):  # the same bytes again: the same video, re-run
                Video.objects.filter(pk=videos[0].pk).update(status=Video.Status.PROCESSING, frames_done=0)
                video_process(videos[0].pk)
            elif operation == "on_then_off":
                recognition.department_set_recognition(department, allowed=True, actor=None, reason="property")
                services.department_backfill(department.pk)  # what the queued backfill does
                for video in videos:
                    Video.objects.filter(pk=video.pk).update(status=Video.Status.PROCESSING)
                    video_process(video.pk)
                turn_off(department)
            elif operation == "backfill":
                services.department_backfill(department.pk)
            elif operation == "toggle_other":
                allowed = not policy.recognition_allowed(other_department)
                recognition.department_set_recognition(other_department, allowed=allowed, actor=None, reason="p")
            assert_no_biometric_data(department)
    finally:
        # Videos and their stills are de-duplicated by hash: free them for the next example.
        Video.objects.filter(department=department).delete()
        for image in Image.objects.filter(department=department):
            services.image_delete(image)
        if not policy.recognition_allowed(other_department):
            recognition.department_set_recognition(other_department, allowed=True, actor=None, reason="reset")


@pytest.mark.django_db
def test_matching_a_departments_videos_after_enabling_stops_at_once_when_the_flag_goes_off_again(
    clip, tmp_path, disallowed_department, monkeypatch
):
    other_clip, _truth = motion_clip(tmp_path / "longer.mp4", seconds=2.5)  # uploads are de-duplicated by bytes
    videos = [stored_video(disallowed_department, path) for path in (clip, other_clip)]
    for video in videos:
        assert video_process(video.pk) == "done"  # stills and sequences, nothing biometric
    assert_no_biometric_data(disallowed_department)
    Department.objects.filter(pk=disallowed_department.pk).update(facial_recognition_allowed=True)
    calls = count_embedding_calls(monkeypatch)
    real = matching.video_embed_and_match
    seen = []

    def match_then_turn_off(video):
        seen.append(video.pk)
        searched = real(video)
        turn_off(disallowed_department)
        return searched

    monkeypatch.setattr(matching, "video_embed_and_match", match_then_turn_off)
    matching.department_videos_match(disallowed_department.pk)
    assert seen == [videos[0].pk]  # the second video is never embedded
    assert calls and set(calls) == {disallowed_department.pk}
    assert_no_biometric_data(disallowed_department)


@pytest.mark.django_db
def test_matching_the_videos_of_a_department_with_recognition_off_computes_nothing(
    clip, disallowed_department, monkeypatch
):
    video = stored_video(disallowed_department, clip)
    video_process(video.pk)
    calls = count_embedding_calls(monkeypatch)
    assert matching.department_videos_match(disallowed_department.pk) == 0
    assert calls == []
    assert_no_biometric_data(disallowed_department)
