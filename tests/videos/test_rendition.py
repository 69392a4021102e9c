"""The public rendition: every face not identified as an officer blurred along its track."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from faces.models import Face
from tests import factories
from tests.videos.clips_motion import motion_clip, stored_video
from videos.models import FaceSequence, Video
from videos.pipeline.frames import decoded_frames, stream_info
from videos.services.processing import video_process
from videos.services.rendition import TrackBlur, blur_box, video_render_public


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    path, _truth = motion_clip(tmp_path_factory.mktemp("clips") / "two.mp4", seconds=3.0)
    return path


def frame_at(source, t: float) -> np.ndarray:
    return min(decoded_frames(source), key=lambda f: abs(f.time - t)).rgb()


def detail(rgb: np.ndarray, box) -> float:
    x, y, w, h = (int(v) for v in box)
    return float(cv2.Laplacian(cv2.cvtColor(rgb[y : y + h, x : x + w], cv2.COLOR_RGB2GRAY), cv2.CV_64F).var())


def difference(a: np.ndarray, b: np.ndarray, box) -> float:
    """Mean absolute difference of the two frames' pixels in the box."""
    x, y, w, h = (int(v) for v in box)
    return float(np.abs(a[y : y + h, x : x + w].astype(int) - b[y : y + h, x : x + w].astype(int)).mean())


def public_path(video: Video) -> str:
    return video.public_file.path


def test_a_track_box_is_interpolated_between_samples_and_held_a_little_at_its_ends():
    blur = TrackBlur([[1.0, 0, 0, 10, 10], [2.0, 100, 0, 20, 20]], hold=0.5)
    assert blur.box_at(1.5) == pytest.approx((50, 0, 15, 15))
    assert blur.box_at(0.6) == (0, 0, 10, 10)
    assert blur.box_at(2.4) == (100, 0, 20, 20)
    assert blur.box_at(0.4) is None and blur.box_at(2.6) is None


def test_a_joined_track_is_held_at_each_part_s_ends_not_slid_across_the_time_away():
    blur = TrackBlur([[1.0, 0, 0, 10, 10], [5.0, 100, 0, 20, 20]], hold=0.5, max_gap=1.0)
    assert blur.box_at(1.4) == (0, 0, 10, 10)
    assert blur.box_at(4.6) == (100, 0, 20, 20)
    assert blur.box_at(3.0) is None


def test_blurring_a_box_destroys_its_detail_and_leaves_the_rest_alone():
    rng = np.random.default_rng(1)
    rgb = rng.integers(0, 255, (200, 300, 3), dtype=np.uint8)
    before = rgb.copy()
    blur_box(rgb, (100, 50, 60, 60))
    assert detail(rgb, (100, 50, 60, 60)) < detail(before, (100, 50, 60, 60)) / 20
    assert np.array_equal(rgb[:, :70], before[:, :70])


@pytest.mark.django_db
def test_every_unidentified_face_is_blurred_in_every_frame_of_the_public_video(clip, illinois_department):
    video = stored_video(illinois_department, clip)
    video_process(video.pk)  # queues (eagerly runs) the rendition
    video.refresh_from_db()
    info = stream_info(public_path(video))
    assert (info.width, info.height, info.frames) == (960, 540, 75)
    sequences = list(video.sequences.all())
    assert len(sequences) == 2
    for t in (0.1, 1.05, 2.5):  # between samples too: boxes are interpolated
        original, public = frame_at(video.file.path, t), frame_at(public_path(video), t)
        for sequence in sequences:
            box = TrackBlur(sequence.track, hold=0.5).box_at(t)
            assert detail(public, box) < detail(original, box) / 5, (t, sequence.number)


@pytest.mark.django_db
def test_the_public_file_has_no_audio_no_metadata_and_its_index_up_front(clip, illinois_department):
    import av

    video = stored_video(illinois_department, clip)
    video_process(video.pk)
    video.refresh_from_db()
    data = Path(public_path(video)).read_bytes()
    assert data.find(b"moov") < data.find(b"mdat")  # +faststart: playable while downloading
    with av.open(public_path(video)) as container:
        assert len(container.streams.audio) == 0
        assert container.streams.video[0].codec_context.name == "h264"
        assert container.streams.video[0].codec_context.pix_fmt == "yuv420p"
        assert not {
            k
            for k in container.metadata
            if k.lower() not in ("major_brand", "minor_version", "compatible_brands", "encoder")
        }
    assert video.poster.name.endswith(".jpg") and video.poster.size > 1000


@pytest.mark.django_db
def test_an_identified_officer_is_shown_and_an_unchanged_video_is_not_rendered_again(clip, allowed_department):
    video = stored_video(allowed_department, clip)
    video_process(video.pk)
    video.refresh_from_db()
    first = video.public_file.name
    assert video_render_public(video.pk) == "current"
    officer = factories.officer(allowed_department)
    shown = video.sequences.first()
    FaceSequence.objects.filter(pk=shown.pk).update(status=FaceSequence.Status.IDENTIFIED, officer=officer)
    assert video_render_public(video.pk) == "current"  # its stills are not identified: still blurred
    Face.objects.filter(video_still__sequence=shown).update(officer=officer)
    assert video_render_public(video.pk) == "rendered"
    video.refresh_from_db()
    assert video.public_file.name != first
    assert not video.public_file.storage.exists(first)  # the old rendition is gone
    hidden = video.sequences.exclude(pk=shown.pk).get()
    t = 1.5
    original, public = frame_at(video.file.path, t), frame_at(public_path(video), t)
    shown_box = TrackBlur(shown.track, hold=0.5).box_at(t)
    hidden_box = TrackBlur(hidden.track, hold=0.5).box_at(t)
    # Re-encoding softens the officer's face a little; the blur leaves nothing of the other's.
    assert detail(public, shown_box) > detail(original, shown_box) / 5
    assert difference(public, original, shown_box) < 10
    assert detail(public, hidden_box) < detail(original, hidden_box) / 20
    assert difference(public, original, hidden_box) > 20


@pytest.mark.django_db
def test_a_video_not_processed_yet_has_no_public_rendition(clip, allowed_department):
    video = stored_video(allowed_department, clip)
    assert video_render_public(video.pk) == "not ready"
    video.refresh_from_db()
    assert not video.public_file
