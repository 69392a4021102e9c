"""A takedown leaves no file and no row with image or biometric data, on every storage backend."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, models, transaction
from django.urls import reverse

from departments.models import Officer
from faces.models import (
    Decision,
    Face,
    FaceGroup,
    FaceGroupMember,
    HeadshotBatch,
    HeadshotItem,
    Image,
    MatchSuggestion,
    RecognitionEvent,
    Takedown,
)
from faces.models_gallery import OfficerCentroid
from faces.renditions import public_rendition_bytes
from faces.services.notifications import notice_create
from faces.services.review import suggestion_confirm
from faces.services.takedown import AlreadyTakenDown, TakedownRefused, image_takedown
from oversight.exceptions import NotPermitted
from review.services.curation import officer_set_featured_face
from tests import factories
from tests.conftest import client_for
from tests.reliability.test_storage_down import s3  # noqa: F401  (the moto server fixture, reused)
from tests.review.conftest import stored_image

AUDIT_FIELDS = {
    "id",
    "image_id",
    "department",
    "reason",
    "actor",
    "faces_removed",
    "embeddings_removed",
    "suggestions_removed",
    "files_removed",
    "video_id",  # the former id of the video a still was taken down with (no key, no file)
    "created_at",
}


def media_files(settings) -> set[str]:
    root = Path(settings.MEDIA_ROOT)
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def _photo_with_everything(department, volunteer) -> dict:
    """A processed photo of two faces, with every kind of row and file that can point at it.

    Biden and Obama are in the gallery, so the worker stores embeddings and suggestions;
    a volunteer confirms Obama (a decision, gallery use, a centroid), he becomes the featured
    face; the other face is grouped; a headshot item, a notice and a stale rendition exist.
    """
    obama = factories.gallery_officer(department, "obama_1.jpg", last_name="Obama")
    biden = factories.gallery_officer(department, "biden_1.jpg", last_name="Biden")
    image = factories.image(department, "group_obama_biden.jpg", processed=True)
    faces = list(image.faces.all())
    assert len(faces) == 2 and all(f.embedding is not None for f in faces)
    obama_suggestion = MatchSuggestion.objects.get(face__image=image, officer=obama, rank=1)
    suggestion_confirm(obama_suggestion, actor=volunteer)
    obama_face = Face.objects.get(pk=obama_suggestion.face_id)
    other = next(f for f in faces if f.pk != obama_face.pk)
    # Featured, then replaced: the second curation decision names the photo's face in `before`.
    officer_set_featured_face(Officer.objects.get(pk=obama.pk), obama_face, actor=volunteer)
    gallery = Face.objects.filter(officer=obama).exclude(image=image).get()
    officer_set_featured_face(Officer.objects.get(pk=obama.pk), gallery, actor=volunteer)
    group = FaceGroup.objects.create(department=department)
    FaceGroupMember.objects.create(group=group, face=other)
    batch = HeadshotBatch.objects.create(department=department)
    HeadshotItem.objects.create(batch=batch, file_name="1001.jpg", image=image, face=other)
    notice_create(image, "uploader@example.org")
    return {"image": image, "face_ids": [f.pk for f in faces], "obama": obama, "biden": biden}


def _with_files(world: dict) -> dict:
    """The public rendition as a viewer makes it, and one left behind by a failed deletion."""
    image = world["image"]
    public_rendition_bytes(image)
    image.refresh_from_db()
    stale = default_storage.save(f"public/{image.sha256[:2]}/{image.pk}-0000stale.jpg", ContentFile(b"old"))
    return {**world, "stale": stale}


def _rows_pointing_at(image_id: int, face_ids: list[int], suggestion_ids: list[int]) -> list[str]:
    """Every row of every table whose foreign key names the photo, one of its faces or suggestions."""
    targets = {Image: [image_id], Face: face_ids, MatchSuggestion: suggestion_ids}
    found = []
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, models.ForeignKey | models.OneToOneField) and field.related_model in targets:
                ids = targets[field.related_model]
                if model._default_manager.filter(**{f"{field.name}__in": ids}).exists():
                    found.append(f"{model.__name__}.{field.name}")
    return found


def _text_mentioning(*needles: str) -> list[str]:
    """Every text or JSON value in the database that contains one of the needles."""
    found = []
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.CharField | models.TextField | models.FileField):
                for needle in needles:
                    if model._default_manager.filter(**{f"{field.name}__contains": needle}).exists():
                        found.append(f"{model.__name__}.{field.name} ∋ {needle}")
            elif isinstance(field, models.JSONField):
                for value in model._default_manager.values_list(field.name, flat=True):
                    found += [f"{model.__name__}.{field.name} ∋ {n}" for n in needles if n in str(value)]
    return found


@pytest.fixture
def photo_world(allowed_department, users, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        world = _photo_with_everything(allowed_department, users["volunteer"])
    return _with_files(world)


def _take_down(image, actor, django_capture_on_commit_callbacks, reason="Uploader asked") -> Takedown:
    with django_capture_on_commit_callbacks(execute=True):
        return image_takedown(image, actor=actor, reason=reason)


def test_a_takedown_on_local_storage_leaves_no_file_of_the_photo(
    settings, photo_world, users, django_capture_on_commit_callbacks
):
    image = photo_world["image"]
    own = {image.file.name, image.public_file.name, photo_world["stale"]}
    before = media_files(settings)
    assert own <= before and len(own) == 3
    takedown = _take_down(image, users["coordinator"], django_capture_on_commit_callbacks)
    after = media_files(settings)
    assert after == before - own  # the gallery photos' files stay
    takedown.refresh_from_db()
    assert takedown.files_removed == 3


def test_a_takedown_leaves_no_row_with_image_or_biometric_data(photo_world, users, django_capture_on_commit_callbacks):
    image, face_ids = photo_world["image"], photo_world["face_ids"]
    suggestion_ids = list(MatchSuggestion.objects.filter(face_id__in=face_ids).values_list("pk", flat=True))
    names = (image.sha256, image.file.name, image.public_file.name, image.original_filename)
    centroid_before = OfficerCentroid.objects.get(officer=photo_world["obama"]).face_count
    assert _rows_pointing_at(image.pk, face_ids, suggestion_ids)
    assert Decision.objects.filter(before__featured_face_id__in=face_ids).exists()
    assert RecognitionEvent.objects.filter(face_id__in=face_ids).exists()

    takedown = _take_down(image, users["admin"], django_capture_on_commit_callbacks)

    assert _rows_pointing_at(image.pk, face_ids, suggestion_ids) == []
    assert _text_mentioning(*names) == []
    assert not Decision.objects.filter(before__featured_face_id__in=face_ids).exists()
    assert not Decision.objects.filter(after__featured_face_id__in=face_ids).exists()
    assert OfficerCentroid.objects.get(officer=photo_world["obama"]).face_count == centroid_before - 1
    replaced = Decision.objects.get(kind=Decision.Kind.CURATE, after__featured_face_id__isnull=False)
    assert replaced.before == {"featured_face_id": None}  # the removed face's id is forgotten
    assert HeadshotItem.objects.get().image_id is None
    assert not FaceGroupMember.objects.filter(face_id__in=face_ids).exists()
    assert (takedown.faces_removed, takedown.embeddings_removed) == (2, 2)
    assert takedown.suggestions_removed == len(suggestion_ids) > 0
    assert (takedown.image_id, takedown.actor, takedown.reason) == (image.pk, users["admin"], "Uploader asked")


def test_the_audit_row_has_no_field_for_image_or_biometric_data():
    assert {f.name for f in Takedown._meta.get_fields()} == AUDIT_FIELDS


def test_a_takedown_on_an_s3_compatible_server_leaves_no_object_of_the_photo(
    s3,  # noqa: F811
    allowed_department,
    users,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        world = _photo_with_everything(allowed_department, users["volunteer"])
    world = _with_files(world)
    image = world["image"]
    own = {image.file.name, image.public_file.name, world["stale"]}
    before = set(s3.keys())
    assert own <= before
    takedown = _take_down(image, users["coordinator"], django_capture_on_commit_callbacks)
    assert set(s3.keys()) == before - own
    takedown.refresh_from_db()
    assert takedown.files_removed == 3
    assert not Image.objects.filter(pk=image.pk).exists()


def test_the_database_rows_go_even_when_the_store_refuses(
    s3,  # noqa: F811
    allowed_department,
    users,
    django_capture_on_commit_callbacks,
):
    image = stored_image(allowed_department)
    s3.stop()
    takedown = _take_down(image, users["admin"], django_capture_on_commit_callbacks)
    assert not Image.objects.filter(pk=image.pk).exists() and not Face.objects.filter(image_id=image.pk).exists()
    assert Takedown.objects.get(pk=takedown.pk).files_removed == 0


@pytest.mark.parametrize("role", ["volunteer", "member", "other_coordinator"])
def test_the_service_refuses_anyone_but_the_departments_coordinators_and_administrators(
    role, users, allowed_department
):
    image = stored_image(allowed_department)
    with pytest.raises(NotPermitted):
        image_takedown(image, actor=users[role], reason="no")
    assert Image.objects.filter(pk=image.pk).exists() and not Takedown.objects.exists()


@pytest.mark.parametrize("reason", ["", "   ", "x" * 2001, "a\x00b"])
def test_a_takedown_needs_a_plain_reason(reason, users, allowed_department):
    image = stored_image(allowed_department)
    with pytest.raises(TakedownRefused):
        image_takedown(image, actor=users["admin"], reason=reason)
    assert Image.objects.filter(pk=image.pk).exists()


def test_a_photo_cannot_be_taken_down_twice(users, allowed_department, django_capture_on_commit_callbacks):
    image = stored_image(allowed_department)
    _take_down(image, users["admin"], django_capture_on_commit_callbacks)
    with pytest.raises(AlreadyTakenDown):
        image_takedown(image, actor=users["admin"], reason="again")
    assert Takedown.objects.count() == 1


# --- The page and the admin action ---------------------------------------------------------
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
def test_the_takedown_page_by_role(
    role, status, users, allowed_department, settings, django_capture_on_commit_callbacks
):
    image = stored_image(allowed_department)
    client = client_for(users[role])
    url = reverse("image_takedown", args=[image.pk])
    assert client.get(url).status_code == status
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"reason": "Asked by the person in it"})
    assert response.status_code == status
    assert Image.objects.filter(pk=image.pk).exists() == (status != 200)
    assert Takedown.objects.exists() == (status == 200)
    link = client.get(reverse("image_detail", args=[image.pk]))
    if status == 200:
        assert link.status_code == 404 and image.file.name not in media_files(settings)
        assert Takedown.objects.get().actor == users[role]


@pytest.mark.parametrize("role", ["coordinator", "admin", "volunteer", "anonymous"])
def test_the_photo_page_offers_the_takedown_only_to_those_who_may(role, users, allowed_department):
    image = stored_image(allowed_department)
    page = client_for(users[role]).get(reverse("image_detail", args=[image.pk])).content.decode()
    assert (reverse("image_takedown", args=[image.pk]) in page) == (role in ("coordinator", "admin"))


def test_the_page_refuses_an_empty_reason(users, allowed_department):
    image = stored_image(allowed_department)
    response = client_for(users["coordinator"]).post(reverse("image_takedown", args=[image.pk]), {"reason": " "})
    assert response.status_code == 400 and "required" in response.content.decode()
    assert Image.objects.filter(pk=image.pk).exists()


def test_the_admin_action_asks_for_a_reason_then_takes_down_with_an_audit(admin_user, allowed_department):
    images = [stored_image(allowed_department, name) for name in ("obama_1.jpg", "biden_1.jpg")]
    client = client_for(admin_user)
    url = reverse("admin:faces_image_changelist")
    selected = {"action": "take_down", "_selected_action": [i.pk for i in images]}
    asked = client.post(url, selected)
    assert asked.status_code == 200 and "reason" in asked.content.decode()
    assert Image.objects.count() == 2
    done = client.post(url, {**selected, "reason": "Court order"})
    assert done.status_code == 302
    assert not Image.objects.filter(pk__in=[i.pk for i in images]).exists()
    assert list(Takedown.objects.values_list("reason", "actor")) == [("Court order", admin_user.pk)] * 2


# --- Races: the row checked is the row locked; identification and takedown never deadlock ---
def test_the_permission_is_asked_again_of_the_locked_row(users, allowed_department, other_department):
    image = stored_image(allowed_department)
    # The photo moved to another department after the caller read it.
    Image.objects.filter(pk=image.pk).update(department=other_department)
    with pytest.raises(NotPermitted):
        image_takedown(image, actor=users["coordinator"], reason="Not mine any more")
    assert Image.objects.filter(pk=image.pk).exists() and not Takedown.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_takedown_waits_for_an_identification_in_flight_instead_of_deadlocking():
    department = factories.allowed_department()
    admin = factories.user(role="administrator")
    image = factories.image(department, status=Image.Status.DONE)
    face = factories.face(image)
    face_locked, release = threading.Event(), threading.Event()
    errors: list[Exception] = []

    def identification() -> None:
        # faces.services.review's order: lock the face, then write its photo (contains_officers).
        try:
            with transaction.atomic():
                Face.objects.select_for_update().get(pk=face.pk)
                face_locked.set()
                release.wait(5)
                Image.objects.filter(pk=image.pk).update(contains_officers=True)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    def takedown() -> None:
        try:
            image_takedown(image, actor=admin, reason="Asked by the person in it")
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    identifying = threading.Thread(target=identification)
    identifying.start()
    assert face_locked.wait(5)
    taking_down = threading.Thread(target=takedown)
    taking_down.start()
    taking_down.join(0.5)
    assert taking_down.is_alive(), "the takedown must wait for the identification's face"
    release.set()
    identifying.join(10)
    taking_down.join(10)
    assert errors == []
    assert not Image.objects.filter(pk=image.pk).exists() and Takedown.objects.filter(image_id=image.pk).exists()
