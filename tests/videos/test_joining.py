"""Joining a person's sequences by descriptor distance: only where recognition is allowed, never two people."""

from __future__ import annotations

import pytest

from faces.models import Face, MatchSuggestion
from tests import factories
from tests.videos.clips_motion import Actor, motion_clip, stored_video
from videos.models import FaceSequence, Video
from videos.services.joining import sequences_join
from videos.services.matching import video_embed_and_match
from videos.services.processing import video_process
from videos.services.rendition import TrackBlur

pytestmark = pytest.mark.django_db

SECONDS = 4.5


@pytest.fixture(scope="module")
def comes_back(tmp_path_factory):
    """Obama walks out on the left, is gone for 1.5 s (longer than the tracker's gap), comes back on the right."""
    actors = [
        Actor("obama_2.jpg", "obama", 0.0, 1.5, (0.2, 0.5), (0.3, 0.5), 130, 140),
        Actor("obama_2.jpg", "obama", 3.0, SECONDS, (0.75, 0.45), (0.65, 0.5), 150, 140),
    ]
    path, _truth = motion_clip(tmp_path_factory.mktemp("clips") / "comes-back.mp4", actors, seconds=SECONDS)
    return path


@pytest.fixture(scope="module")
def one_after_another(tmp_path_factory):
    """Obama, then 1.5 s later Biden: never on screen together, two people."""
    actors = [
        Actor("obama_2.jpg", "obama", 0.0, 1.5, (0.2, 0.5), (0.3, 0.5), 130, 140),
        Actor("biden_2.jpg", "biden", 3.0, SECONDS, (0.75, 0.45), (0.65, 0.5), 150, 140),
    ]
    path, _truth = motion_clip(tmp_path_factory.mktemp("clips") / "one-after-another.mp4", actors, seconds=SECONDS)
    return path


def still_faces(video: Video):
    return Face.objects.filter(video_still__sequence__video=video)


def test_a_person_who_leaves_and_comes_back_is_one_sequence_where_recognition_is_allowed(
    comes_back, allowed_department
):
    officer = factories.gallery_officer(allowed_department, "obama_1.jpg", last_name="Obama", badge_number="44")
    video = stored_video(allowed_department, comes_back)
    assert video_process(video.pk) == "done"
    joined = video.sequences.get()
    assert joined.number == 1
    times = [row[0] for row in joined.track]
    assert times == sorted(times) and len(times) == joined.frame_count
    assert joined.first_time < 0.5 and joined.last_time > 4.0
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert max(gaps) > 1.0  # both visits, with the time away between them
    # Every still of both visits moved with its face (embedded: the department allows it).
    still_times = sorted(joined.stills.values_list("time", flat=True))
    assert still_times[0] < 1.5 < 3.0 < still_times[-1]
    assert still_faces(video).filter(embedding__isnull=False).count() == len(still_times) >= 4
    # Matched again as one set: the suggestion is for the joined sequence, on its best still.
    suggestion = MatchSuggestion.objects.get(face__video_still__sequence__video=video)
    assert suggestion.officer_id == officer.pk
    assert suggestion.face.video_still.quality == max(s.quality for s in joined.stills.all())
    # While he is away nothing is blurred in his name; near each visit's ends it is held.
    blur = TrackBlur(joined.track, hold=0.5, max_gap=1.0)
    assert blur.box_at(2.25) is None
    assert blur.box_at(min(t for t in times if t > 2.0) - 0.1) is not None


@pytest.mark.parametrize("department", ["illinois_department", "disallowed_department"])
def test_the_same_clip_where_recognition_is_off_stays_two_sequences_and_nothing_is_embedded(
    comes_back, department, request
):
    video = stored_video(request.getfixturevalue(department), comes_back)
    assert video_process(video.pk) == "done"
    assert list(video.sequences.values_list("number", flat=True)) == [1, 2]
    assert still_faces(video).count() >= 4
    assert not still_faces(video).filter(embedding__isnull=False).exists()
    assert all(face.embedding_skipped_reason for face in still_faces(video))
    assert sequences_join(video) == 0


def test_two_people_one_after_the_other_are_not_joined(one_after_another, allowed_department):
    video = stored_video(allowed_department, one_after_another)
    assert video_process(video.pk) == "done"
    sequences = list(video.sequences.all())
    assert [s.number for s in sequences] == [1, 2]
    assert sequences[0].last_time < sequences[1].first_time  # not on screen together: only the faces differ
    assert still_faces(video).exists() and not still_faces(video).filter(embedding__isnull=True).exists()


def test_a_resumed_run_joins_nothing_more_and_keeps_the_numbers(comes_back, allowed_department):
    video = stored_video(allowed_department, comes_back)
    video_process(video.pk)
    before = list(video.sequences.values_list("pk", "number", "frame_count"))
    Video.objects.filter(pk=video.pk).update(status=Video.Status.PROCESSING)
    assert video_process(video.pk) == "done"  # resumes at the matching: scanned already
    assert list(video.sequences.values_list("pk", "number", "frame_count")) == before
    # A redelivered task that scans again joins again, reusing the same stills.
    Video.objects.filter(pk=video.pk).update(status=Video.Status.PROCESSING, frames_done=0)
    faces = set(still_faces(video).values_list("pk", flat=True))
    assert video_process(video.pk) == "done"
    assert video.sequences.count() == 1
    assert set(still_faces(video).values_list("pk", flat=True)) == faces


def test_a_sequence_a_volunteer_split_off_is_not_joined_back(comes_back, allowed_department, users):
    from videos.services.review import sequence_split

    video = stored_video(allowed_department, comes_back)
    video_process(video.pk)
    joined = video.sequences.get()
    later = [s.pk for s in joined.stills.all() if s.time > 2.0]
    split = sequence_split(joined, still_ids=later, actor=users["volunteer"])
    assert sequences_join(video) == 0
    video_embed_and_match(video)
    assert set(video.sequences.values_list("pk", flat=True)) == {joined.pk, split.pk}
    assert FaceSequence.objects.get(pk=split.pk).split_from_id == joined.pk


def test_recognition_turned_off_before_the_join_leaves_the_sequences_apart(comes_back, allowed_department, settings):
    from faces.services import recognition

    settings.VIDEO_JOIN_MAX_DISTANCE = 0  # embedded and matched, not joined yet
    video = stored_video(allowed_department, comes_back)
    video_process(video.pk)
    assert video.sequences.count() == 2
    settings.VIDEO_JOIN_MAX_DISTANCE = 0.39
    recognition.department_set_recognition(allowed_department, allowed=False, actor=None, reason="join gate test")
    assert sequences_join(video) == 0
    assert list(video.sequences.values_list("number", flat=True)) == [1, 2]
    assert not still_faces(video).filter(embedding__isnull=False).exists()
