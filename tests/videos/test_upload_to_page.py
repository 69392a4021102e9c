"""From an upload to the video page, through the real processing (videos.tasks, run eagerly)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import client_for
from tests.videos.conftest import upload_of
from videos.models import Video

pytestmark = pytest.mark.django_db


def test_an_uploaded_video_is_processed_and_its_page_shows_two_faces_and_no_civilian_face(
    allowed_department, mp4_clip, django_capture_on_commit_callbacks
):
    client = client_for(None)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/videos/", {"file": upload_of(mp4_clip), "department": allowed_department.pk})
    assert response.status_code == 201
    video = Video.objects.get()
    body = client.get(f"/api/v1/videos/{video.pk}/").json()
    assert body["status"] == "done", body
    assert body["frames_done"] == body["frames_total"] > 0 and body["percent"] == 100
    assert len(body["sequences"]) >= 2
    assert all(s["thumb_url"] == "" and s["officer"] is None for s in body["sequences"])
    page = client.get(reverse("video_detail", args=[video.pk])).content.decode()
    assert "crop.jpg" not in page  # nobody identified: no face shown
    public = client.get(body["public_url"])
    assert public.status_code == 200 and public["Content-Type"] == "video/mp4"
    assert 'preload="metadata"' in page and f'src="{body["public_url"]}"' in page


def test_a_phones_portrait_video_is_processed_and_rendered_upright(
    illinois_department, tmp_path, django_capture_on_commit_callbacks
):
    import av
    import numpy as np

    from tests.videos.clips import portrait_phone_clip
    from videos.pipeline.frames import decoded_frames

    path, upright_first = portrait_phone_clip(tmp_path / "portrait.mp4")
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(None).post(
            "/api/v1/videos/", {"file": upload_of(path), "department": illinois_department.pk}
        )
    assert response.status_code == 201
    video = Video.objects.get()
    assert (video.width, video.height) == (360, 640)  # the size it is watched at
    assert video.status == Video.Status.DONE
    # The face lies on its side in the stored pictures; found at all only because they are turned.
    sequences = list(video.sequences.all())
    assert len(sequences) == 1
    _t, x, y, w, h = sequences[0].track[0]
    assert x >= 0 and x + w <= 360 and y >= 0 and y + h <= 640 and h > 80
    stored_first = next(decoded_frames(video.file.path)).rgb()
    assert stored_first.shape == (640, 360, 3)
    assert np.abs(stored_first.astype(int) - upright_first.astype(int)).mean() < 8
    with av.open(video.public_file.path) as public:
        frame = next(public.decode(video=0))
        assert (frame.width, frame.height, frame.rotation) == (360, 640, 0)  # turned in the pixels
        rendered = frame.to_ndarray(format="rgb24")
    box = (slice(int(y), int(y + h)), slice(int(x), int(x + w)))
    outside = (slice(int(y + h) + 60, 640), slice(0, 360))
    # The face is blurred where the tracks say, and the rest of the picture is in place (upright).
    assert np.abs(rendered[box].astype(int) - upright_first[box].astype(int)).mean() > 15
    assert np.abs(rendered[outside].astype(int) - upright_first[outside].astype(int)).mean() < 8
