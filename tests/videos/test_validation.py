"""videos.validation and videos.sanitize: judged by decoding; metadata gone from what is stored."""

from __future__ import annotations

import pytest

from tests.videos import clips
from videos.sanitize import EXTENSIONS, remux_without_metadata
from videos.validation import VideoLimits, VideoRejected, probe_video

LIMITS = VideoLimits(max_bytes=500 * 1024 * 1024, max_seconds=900, max_width=3840, max_height=2160)

EXPECTED_REFUSALS = {
    "truncated_index_last.mp4": ("damaged", 400),
    "wrong_container.avi": ("not_a_video", 415),
    "unsupported_codec.mkv": ("unsupported", 415),
    "huge_dimensions.mp4": ("too_many_pixels", 413),
    "zero_frames.mp4": ("no_frames", 400),
    "no_stream.mp4": ("no_video", 400),
    "photo_renamed.mp4": ("not_a_video", 415),
    "text_renamed.mp4": ("not_a_video", 415),
}


@pytest.mark.parametrize(
    ("fixture", "container", "codec"),
    [("mp4_clip", "mp4", "h264"), ("mov_clip", "mov", "h264"), ("webm_clip", "webm", "vp9")],
)
def test_mp4_mov_and_webm_are_accepted_with_their_size_duration_and_codec(request, fixture, container, codec):
    probed = probe_video(request.getfixturevalue(fixture), limits=LIMITS)
    assert (probed.container, probed.codec, probed.width, probed.height) == (container, codec, 640, 360)
    assert probed.duration_seconds == pytest.approx(3.0, abs=0.1)
    assert probed.fps == pytest.approx(10.0)


@pytest.mark.parametrize("name", sorted(EXPECTED_REFUSALS))
def test_hostile_files_are_refused_with_a_clear_message(hostile_clips, name):
    with pytest.raises(VideoRejected) as refused:
        probe_video(hostile_clips[name], limits=LIMITS)
    assert (refused.value.code, refused.value.status) == EXPECTED_REFUSALS[name]
    assert refused.value.field == "file"
    assert len(refused.value.message) > 15 and "Traceback" not in refused.value.message


def test_an_empty_file_is_refused(tmp_path):
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    with pytest.raises(VideoRejected) as refused:
        probe_video(empty, limits=LIMITS)
    assert refused.value.code == "empty"


def test_a_file_over_the_size_limit_is_refused_before_decoding(mp4_clip):
    small = VideoLimits(max_bytes=1000, max_seconds=900, max_width=3840, max_height=2160)
    with pytest.raises(VideoRejected) as refused:
        probe_video(mp4_clip, limits=small)
    assert (refused.value.code, refused.value.status) == ("too_large", 413)


def test_a_video_longer_than_the_limit_is_refused(tmp_path):
    clip = clips.long_clip(tmp_path / "long.mp4", seconds=20)
    short = VideoLimits(max_bytes=10**9, max_seconds=10, max_width=3840, max_height=2160)
    with pytest.raises(VideoRejected) as refused:
        probe_video(clip, limits=short)
    assert (refused.value.code, refused.value.status) == ("too_long", 413)
    assert "10 seconds" in refused.value.message


def test_an_upright_video_within_the_limits_turned_round_is_accepted(tmp_path):
    clip = clips.write_clip(tmp_path / "upright.mp4", clips.frames_of_people(180, 320, 5))
    limits = VideoLimits(max_bytes=10**9, max_seconds=900, max_width=320, max_height=180)
    assert probe_video(clip, limits=limits).height == 320


def test_a_truncated_file_with_its_index_first_keeps_the_part_that_is_there(tmp_path):
    clip = clips.truncated_clip(tmp_path / "cut.mp4", keep=0.5, faststart=True)
    probed = probe_video(clip, limits=LIMITS)
    clean = remux_without_metadata(clip, tmp_path / "clean.mp4", probed, limits=LIMITS)
    assert 0 < clean.duration_seconds < 3.0


@pytest.mark.parametrize("container", ["mp4", "mov", "webm"])
def test_the_stored_copy_has_no_gps_device_or_time_and_keeps_picture_and_sound(tmp_path, container):
    source = clips.gps_clip(tmp_path / f"gps.{container}", container)
    tags, _streams, _types = clips.stream_metadata(source)
    assert any("location" in key.lower() for key in tags)  # the clip really carries GPS
    probed = probe_video(source, limits=LIMITS)
    target = tmp_path / f"clean{EXTENSIONS[probed.container]}"
    clean = remux_without_metadata(source, target, probed, limits=LIMITS)
    tags, stream_tags, types = clips.stream_metadata(target)
    everything = " ".join(f"{k}={v}" for d in [tags, *stream_tags] for k, v in d.items()).lower()
    for leak in ("location", "+40.7128", "apple", "iphone", "2024-05-01", "main st", "core media"):
        assert leak not in everything
    assert types == ["video", "audio"] and clean.has_audio
    assert probe_video(target, limits=LIMITS).codec == probed.codec


def test_the_remux_refuses_content_running_past_the_limit_even_if_the_header_says_nothing(tmp_path):
    clip = clips.long_clip(tmp_path / "long.mp4", seconds=20)
    probed = probe_video(clip, limits=LIMITS)
    lying = probed.__class__(**{**probed.__dict__, "duration_seconds": None})
    short = VideoLimits(max_bytes=10**9, max_seconds=10, max_width=3840, max_height=2160)
    with pytest.raises(VideoRejected) as refused:
        remux_without_metadata(clip, tmp_path / "out.mp4", lying, limits=short)
    assert refused.value.code == "too_long"
