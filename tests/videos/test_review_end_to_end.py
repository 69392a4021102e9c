"""Issue 15's "done when", review half: a real clip of two people, processed by the real pipeline,
gets the officer who is in the gallery suggested for his sequence, and a volunteer confirms it in
the review queue (every still identified, each its own decision; the public video re-rendered)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from faces.models import Decision, Face, MatchSuggestion
from tests import factories
from tests.conftest import client_for
from tests.videos.clips_motion import motion_clip, stored_video
from videos.models import FaceSequence, Video
from videos.services.processing import video_process

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    path, _truth = motion_clip(tmp_path_factory.mktemp("clips") / "two.mp4", seconds=3.0)
    return path


def test_the_gallery_officer_is_suggested_and_confirmed_for_his_whole_sequence(
    clip, users, allowed_department, django_capture_on_commit_callbacks
):
    officer = factories.gallery_officer(allowed_department, "obama_2.jpg", last_name="Obama", badge_number="44")
    video = stored_video(allowed_department, clip)
    with django_capture_on_commit_callbacks(execute=True):
        video_process(video.pk)
    video.refresh_from_db()
    rendered_before = video.public_file.name
    suggestion = MatchSuggestion.objects.get(face__video_still__sequence__video=video)
    his = suggestion.face.video_still.sequence
    other = FaceSequence.objects.exclude(pk=his.pk).get(video=video)

    client = client_for(users["volunteer"])
    # The sequence with a suggestion comes first in the queue.
    first = client.get(reverse("review_sequence_next", args=[allowed_department.slug]))
    assert first["Location"] == reverse("review_sequence", args=[his.pk])
    page = client.get(first["Location"]).content.decode()
    assert f'value="confirm:{suggestion.pk}"' in page and officer.full_name in page
    # His stills are not offered one by one in the per-face identify queue.
    identify = client.get(reverse("review_identify_next", args=[allowed_department.slug]))
    assert b"nothing left" in identify.content

    shown = list(his.stills.values_list("pk", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            first["Location"],
            {"decision": f"confirm:{suggestion.pk}", "shown": shown, "use_for_recognition": "on"},
        )
    assert response["Location"] == reverse("review_sequence_next", args=[allowed_department.slug])

    faces = Face.objects.filter(video_still__sequence=his)
    assert faces.count() == 3 and {f.officer_id for f in faces} == {officer.pk}
    kinds = sorted(Decision.objects.filter(face__in=faces).values_list("kind", flat=True))
    assert kinds == [Decision.Kind.CONFIRM, Decision.Kind.IDENTIFY, Decision.Kind.IDENTIFY]
    his.refresh_from_db()
    assert (his.status, his.officer_id) == (FaceSequence.Status.IDENTIFIED, officer.pk)
    # The public rendition follows: his track is no longer blurred, so it was rendered again.
    assert Video.objects.get(pk=video.pk).public_file.name != rendered_before
    # The other person is next; nobody suggested, a volunteer says "not an officer".
    assert client.get(response["Location"])["Location"] == reverse("review_sequence", args=[other.pk])
    client.post(
        reverse("review_sequence", args=[other.pk]),
        {"decision": "civilian", "shown": list(other.stills.values_list("pk", flat=True))},
    )
    assert all(f.is_civilian for f in Face.objects.filter(video_still__sequence=other))
    assert b"nothing left" in client.get(reverse("review_sequence_next", args=[allowed_department.slug])).content
