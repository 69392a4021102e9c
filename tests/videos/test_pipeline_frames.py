"""Streaming a video's frames and choosing which to look at."""

from __future__ import annotations

import pytest

from tests.videos.clips_motion import motion_clip
from videos.pipeline.frames import SampleClock, VideoUnreadable, decoded_frames, stream_info


def test_the_clock_samples_at_the_base_rate_and_faster_while_faces_are_on_screen():
    clock = SampleClock(3, 6)
    times = [i / 30 for i in range(60)]  # 2 s at 30 fps
    assert sum(clock.due(t, active=False) for t in times) == 6
    clock = SampleClock(3, 6)
    assert sum(clock.due(t, active=True) for t in times) == 12


def test_the_clock_refuses_rates_that_are_not_positive():
    with pytest.raises(ValueError):
        SampleClock(0, 6)


def test_frames_stream_one_at_a_time_with_their_times(tmp_path):
    path, truth = motion_clip(tmp_path / "c.mp4", seconds=1.0)
    info = stream_info(str(path))
    assert (info.width, info.height, info.fps, info.frames) == (960, 540, 25.0, 25)
    frames = decoded_frames(str(path))
    first = next(frames)
    assert first.index == 0 and first.time == 0 and first.rgb().shape == (540, 960, 3)
    rest = list(frames)
    assert len(rest) == len(truth) - 1
    assert rest[-1].time == pytest.approx(24 / 25)


def test_a_file_that_is_not_a_video_is_unreadable(tmp_path):
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"not a video at all" * 10)
    with pytest.raises(VideoUnreadable):
        stream_info(str(junk))
    with pytest.raises(VideoUnreadable):
        list(decoded_frames(str(junk)))
