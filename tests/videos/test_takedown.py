"""A video taken down leaves no file and no row with image or biometric data; who may do it, and how."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse

from accountability.services import report_create
from faces.models import EMBEDDING_DIMENSIONS, Decision, Face, Image, MatchSuggestion, Takedown, TakenDownCount
from faces.renditions import public_rendition_bytes
from faces.services.review import face_identify
from faces.services.takedown import TakedownRefused
from oversight.exceptions import NotPermitted
from tests import factories
from tests.conftest import client_for
from tests.faces.test_takedown import media_files
from tests.videos import sequences as video_rows
from videos.models import FaceSequence, SequenceFace, Video, VideoTakedown
from videos.services.rendition import video_render_public
from videos.services.takedown import VideoAlreadyTakenDown, video_takedown, video_takedown_by_site

AUDIT_FIELDS = {
    "id",
    "video_id",
    "department",
    "reason",
    "actor",
    "stills_removed",
    "faces_removed",
    "embeddings_removed",
    "files_removed",
    "processed_month",
    "created_at",
}


def _with_stills(video: Video, officer) -> dict:
    """Two sequences of two stills each; one still with an embedding and a suggestion, one identified."""
    first = video_rows.sequence(of_video=video, names=video_rows.OBAMA)
    second = video_rows.sequence(of_video=video, names=video_rows.BIDEN)
    faces = [*video_rows.still_faces(first), *video_rows.still_faces(second)]
    Face.objects.filter(pk=faces[0].pk).update(embedding=[0.1] * EMBEDDING_DIMENSIONS)
    factories.suggestion(faces[0], officer)
    face_identify(faces[1], officer=officer, actor=None)
    return {
        "face_ids": [f.pk for f in faces],
        "image_ids": [f.image_id for f in faces],
        "sequence_ids": [first.pk, second.pk],
    }


def _take_down(video, actor, django_capture_on_commit_callbacks, reason="The person filmed asked") -> VideoTakedown:
    with django_capture_on_commit_callbacks(execute=True):
        return video_takedown(video, actor=actor, reason=reason)


@pytest.fixture
def rows_video(allowed_department):
    """A processed video row (no file) of allowed_department."""
    return video_rows.video(allowed_department)


# --- Everything goes ----------------------------------------------------------------------
@pytest.mark.django_db
def test_a_takedown_leaves_no_file_of_the_video_or_of_its_stills(
    settings, tmp_path, allowed_department, officer, users, django_capture_on_commit_callbacks
):
    video = video_rows.video_with_clip(allowed_department, tmp_path)
    world = _with_stills(video, officer)
    assert video_render_public(video.pk) == "rendered"
    video.refresh_from_db()
    stale = default_storage.save(f"videos/public/{video.sha256[:2]}/{video.pk}-0000stale.mp4", ContentFile(b"old"))
    stills = list(Image.objects.filter(pk__in=world["image_ids"]))
    for still in stills[:2]:
        public_rendition_bytes(still)  # the still's public version, as a viewer makes it
    stills = list(Image.objects.filter(pk__in=world["image_ids"]))
    own = {video.file.name, video.public_file.name, video.poster.name, stale}
    own |= {name for still in stills for name in (still.file.name, still.public_file.name) if name}
    assert len(own) == 4 + 4 + 2
    other = factories.image(allowed_department, "obama_2.jpg")  # another photo of the department stays
    before = media_files(settings)
    assert own <= before

    takedown = _take_down(video, users["coordinator"], django_capture_on_commit_callbacks)

    assert media_files(settings) == before - own
    assert default_storage.exists(other.file.name)
    takedown.refresh_from_db()
    assert takedown.files_removed == 4  # original, rendition, poster, the stale rendition
    # Each still's files are counted on its own audit row, as any photo's.
    assert sum(Takedown.objects.filter(video_id=video.pk).values_list("files_removed", flat=True)) == 6
    # Face crops are cut on request from files now gone: none answers.
    crop = client_for(users["admin"]).get(reverse("review_face_crop", args=[world["face_ids"][0]]))
    assert crop.status_code == 404


def test_a_takedown_leaves_no_row_of_its_stills_faces_embeddings_suggestions_or_tracks(
    rows_video, officer, users, django_capture_on_commit_callbacks
):
    world = _with_stills(rows_video, officer)
    report = report_create(kind="shows_me", video=rows_video)
    face_ids = world["face_ids"]
    assert MatchSuggestion.objects.filter(face_id__in=face_ids).exists()
    assert Decision.objects.filter(face_id__in=face_ids).exists()

    takedown = _take_down(rows_video, users["admin"], django_capture_on_commit_callbacks)

    assert not Video.objects.filter(pk=rows_video.pk).exists()
    assert not FaceSequence.objects.filter(pk__in=world["sequence_ids"]).exists()
    assert not SequenceFace.objects.filter(face_id__in=face_ids).exists()
    assert not Image.objects.filter(pk__in=world["image_ids"]).exists()
    assert not Face.objects.filter(pk__in=face_ids).exists()
    assert not MatchSuggestion.objects.filter(face_id__in=face_ids).exists()
    assert not Decision.objects.filter(face_id__in=face_ids).exists()
    assert (takedown.video_id, takedown.actor) == (rows_video.pk, users["admin"])
    assert takedown.reason == "The person filmed asked"
    assert (takedown.stills_removed, takedown.faces_removed, takedown.embeddings_removed) == (4, 4, 1)
    assert takedown.processed_month is None  # the rows-only video has no processing date
    stills = Takedown.objects.filter(video_id=rows_video.pk)
    assert sorted(stills.values_list("image_id", flat=True)) == sorted(world["image_ids"])
    report.refresh_from_db()
    assert report.video_id is None and report.department_id == rows_video.department_id


def test_the_audit_row_has_no_field_for_image_or_biometric_data():
    assert {f.name for f in VideoTakedown._meta.get_fields()} == AUDIT_FIELDS


def test_a_takedown_keeps_the_transparency_counts_of_its_stills(rows_video, users, django_capture_on_commit_callbacks):
    still = video_rows.still_faces(video_rows.sequence(of_video=rows_video))[0]
    Face.objects.filter(pk=still.pk).update(processed_at=rows_video.created_at)
    _take_down(rows_video, users["coordinator"], django_capture_on_commit_callbacks)
    carried = set(TakenDownCount.objects.values_list("measure", flat=True))
    assert "faces_processed" in carried and "photos_processed" not in carried  # a still is not a photo


def test_the_site_takes_a_video_down_without_an_actor(rows_video, django_capture_on_commit_callbacks):
    video_rows.sequence(of_video=rows_video)
    with django_capture_on_commit_callbacks(execute=True):
        takedown = video_takedown_by_site(rows_video)
    assert takedown.actor is None and takedown.reason and takedown.stills_removed == 2
    assert not Video.objects.filter(pk=rows_video.pk).exists()


# --- Who may, and what is refused -----------------------------------------------------------
@pytest.mark.parametrize("role", ["member", "volunteer", "other_coordinator", "disabled"])
def test_the_service_refuses_anyone_but_the_departments_coordinators_and_administrators(role, users, rows_video):
    video_rows.sequence(of_video=rows_video)
    with pytest.raises(NotPermitted):
        video_takedown(rows_video, actor=users[role], reason="no")
    assert Video.objects.filter(pk=rows_video.pk).exists() and not VideoTakedown.objects.exists()
    assert Image.objects.count() == 2 and not Takedown.objects.exists()


@pytest.mark.parametrize("reason", ["", "   ", "x" * 2001, "a\x00b"])
def test_a_takedown_needs_a_plain_reason(reason, users, rows_video):
    with pytest.raises(TakedownRefused):
        video_takedown(rows_video, actor=users["admin"], reason=reason)
    assert Video.objects.filter(pk=rows_video.pk).exists()


def test_a_video_cannot_be_taken_down_twice(users, rows_video, django_capture_on_commit_callbacks):
    _take_down(rows_video, users["admin"], django_capture_on_commit_callbacks)
    with pytest.raises(VideoAlreadyTakenDown):
        video_takedown(rows_video, actor=users["admin"], reason="again")
    assert VideoTakedown.objects.count() == 1


def test_the_permission_is_asked_again_of_the_locked_row(users, rows_video, other_department):
    Video.objects.filter(pk=rows_video.pk).update(department=other_department)
    with pytest.raises(NotPermitted):
        video_takedown(rows_video, actor=users["coordinator"], reason="Not mine any more")
    assert Video.objects.filter(pk=rows_video.pk).exists() and not VideoTakedown.objects.exists()


# --- The page -------------------------------------------------------------------------------
ROLES = {
    "anonymous": 302,
    "member": 403,
    "volunteer": 403,
    "coordinator": 200,
    "other_coordinator": 403,
    "admin": 200,
    "disabled": 302,
}


@pytest.mark.parametrize("role,status", sorted(ROLES.items()))
def test_the_takedown_page_by_role(role, status, users, rows_video, django_capture_on_commit_callbacks):
    video_rows.sequence(of_video=rows_video)
    client = client_for(users[role])
    url = reverse("video_takedown", args=[rows_video.pk])
    assert client.get(url).status_code == status
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"reason": "Asked by the person filmed"})
    assert response.status_code == status
    assert Video.objects.filter(pk=rows_video.pk).exists() == (status != 200)
    assert VideoTakedown.objects.exists() == (status == 200)
    assert Image.objects.exists() == (status != 200)
    if status == 200:
        assert "was taken down" in response.content.decode()
        assert VideoTakedown.objects.get().actor == users[role]
        assert client.get(reverse("video_detail", args=[rows_video.pk])).status_code == 404


@pytest.mark.parametrize("role", ["coordinator", "admin", "other_coordinator", "volunteer", "anonymous"])
def test_the_video_page_offers_the_takedown_only_to_those_who_may(role, users, rows_video):
    page = client_for(users[role]).get(reverse("video_detail", args=[rows_video.pk])).content.decode()
    assert (reverse("video_takedown", args=[rows_video.pk]) in page) == (role in ("coordinator", "admin"))
    assert f"{reverse('report_new')}?video={rows_video.pk}" in page  # anyone may report it


@pytest.mark.parametrize(("reason", "error"), [(" ", "required"), ("x" * 2001, "at most 2000")])
def test_the_page_refuses_an_empty_or_huge_reason(reason, error, users, rows_video):
    url = reverse("video_takedown", args=[rows_video.pk])
    response = client_for(users["coordinator"]).post(url, {"reason": reason})
    assert response.status_code == 400 and error in response.content.decode()
    assert Video.objects.filter(pk=rows_video.pk).exists()


def test_an_unknown_video_is_not_found(users, rows_video):
    client = client_for(users["admin"])
    for video_id in (rows_video.pk + 1000, 2**62):
        url = reverse("video_takedown", args=[video_id])
        assert client.get(url).status_code == 404
        assert client.post(url, {"reason": "x"}).status_code == 404


def test_a_post_without_the_csrf_token_is_refused(users, rows_video):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["admin"])
    response = client.post(reverse("video_takedown", args=[rows_video.pk]), {"reason": "Forged"})
    assert response.status_code == 403
    assert Video.objects.filter(pk=rows_video.pk).exists()


# --- The admin ------------------------------------------------------------------------------
def test_the_admin_action_asks_for_a_reason_then_takes_down_with_an_audit(
    admin_user, allowed_department, django_capture_on_commit_callbacks
):
    videos = [video_rows.video(allowed_department) for _ in range(2)]
    video_rows.sequence(of_video=videos[0])
    client = client_for(admin_user)
    url = reverse("admin:videos_video_changelist")
    selected = {"action": "take_down", "_selected_action": [v.pk for v in videos]}
    asked = client.post(url, selected)
    assert asked.status_code == 200 and "reason" in asked.content.decode()
    assert Video.objects.count() == 2
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(url, {**selected, "reason": "Court order"})
    assert done.status_code == 302
    assert not Video.objects.exists() and not Image.objects.exists()
    assert list(VideoTakedown.objects.values_list("reason", "actor")) == [("Court order", admin_user.pk)] * 2


def test_the_admin_cannot_delete_a_video_around_the_takedown(admin_user, rows_video):
    client = client_for(admin_user)
    assert client.post(reverse("admin:videos_video_delete", args=[rows_video.pk]), {"post": "yes"}).status_code == 403
    bulk = {"action": "delete_selected", "_selected_action": [rows_video.pk], "post": "yes"}
    client.post(reverse("admin:videos_video_changelist"), bulk)
    assert Video.objects.filter(pk=rows_video.pk).exists() and not VideoTakedown.objects.exists()
