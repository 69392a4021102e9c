"""Gallery curation: which of an officer's faces feed recognition, and which one is featured."""

from __future__ import annotations

from django.db import transaction

from departments import policy
from departments.models import Officer
from faces.models import Decision, Face
from faces.services.uploads import queue_face
from review.services.errors import ReviewError

NOT_ALLOWED = "Facial recognition is not allowed for this department, so its faces cannot feed the gallery."


@transaction.atomic
def face_set_gallery_use(face: Face, *, use: bool, actor) -> Face:
    """Turn a face's use for recognition on or off (on only where the policy allows it now).

    1. Lock the face; only a face identified as an officer can feed the gallery.
    2. Turning on takes the policy's share lock on both departments (photo's and
       officer's) and refuses if either forbids recognition (docs/architecture.md, rule 2).
    3. Record a CURATE decision; a face without an embedding yet is queued for one.
    """
    face = Face.objects.select_for_update(of=("self",)).select_related("image", "officer").get(pk=face.pk)
    if face.officer is None:
        raise ReviewError("Only a face identified as an officer can feed the gallery.")
    if use and not policy.lock_recognition_allowed(face.image.department_id, face.officer.department_id):
        raise ReviewError(NOT_ALLOWED)
    if face.use_for_recognition == use:
        return face
    before = {"use_for_recognition": face.use_for_recognition}
    face.use_for_recognition = use
    face.save(update_fields=["use_for_recognition"])
    Decision.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        kind=Decision.Kind.CURATE,
        department_id=face.officer.department_id,
        image_id=face.image_id,
        face=face,
        officer_id=face.officer_id,
        before=before,
        after={"use_for_recognition": use},
    )
    if use and face.embedding is None:
        # The worker embeds it behind the same gate; the face then joins the gallery.
        transaction.on_commit(lambda: queue_face(face.pk))
    return face


@transaction.atomic
def officer_set_featured_face(officer: Officer, face: Face | None, *, actor) -> Officer:
    """Choose the face shown on an officer's public page (None: no featured face)."""
    officer = Officer.objects.select_for_update().get(pk=officer.pk)
    if face is not None:
        # Read the identity from the database: the caller's instance may be stale.
        face = Face.objects.filter(pk=face.pk, officer=officer).first()
        if face is None:
            raise ReviewError("That face is not identified as this officer.")
    new_id = face.pk if face is not None else None
    if officer.featured_face_id == new_id:
        return officer
    before = {"featured_face_id": officer.featured_face_id}
    officer.featured_face_id = new_id
    officer.save(update_fields=["featured_face", "updated_at"])
    Decision.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        kind=Decision.Kind.CURATE,
        department_id=officer.department_id,
        image_id=face.image_id if face else None,
        face=face,
        officer=officer,
        before=before,
        after={"featured_face_id": new_id},
    )
    return officer
