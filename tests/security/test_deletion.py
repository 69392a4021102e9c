"""Deleting a photo deletes its faces, embeddings, suggestions, renditions and stored files.

Every way a photo goes is a takedown: the audit row stays, whoever (or whatever) asked.
"""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from faces import services
from faces.models import Face, Image, MatchSuggestion, Takedown
from faces.renditions import public_rendition_bytes
from faces.services.review import face_identify
from tests import factories


@pytest.mark.parametrize("path", ["service", "admin"])
def test_deleting_a_photo_leaves_nothing_behind(
    path, allowed_department, officer, admin_user, client, django_capture_on_commit_callbacks
):
    gallery = factories.image(allowed_department, "obama_1.jpg", processed=True)
    face_identify(gallery.faces.get(), officer=officer, actor=None)
    image = factories.image(allowed_department, "obama_2.jpg", processed=True)
    public_rendition_bytes(image)
    image.refresh_from_db()
    names = [image.file.name, image.public_file.name]
    assert all(default_storage.exists(n) for n in names)
    face_ids = list(image.faces.values_list("pk", flat=True))
    assert Face.objects.filter(pk__in=face_ids, embedding__isnull=False).exists()
    assert MatchSuggestion.objects.filter(face_id__in=face_ids).exists()

    with django_capture_on_commit_callbacks(execute=True):
        if path == "service":
            services.image_delete(image)
        else:
            client.force_login(admin_user)
            changelist = reverse("admin:faces_image_changelist")
            response = client.post(changelist, {"action": "take_down", "_selected_action": [image.pk], "reason": "x"})
            assert response.status_code == 302

    assert not Image.objects.filter(pk=image.pk).exists()
    assert Takedown.objects.filter(image_id=image.pk).exists()  # the audit row stays
    assert not Face.objects.filter(pk__in=face_ids).exists()
    assert not MatchSuggestion.objects.filter(face_id__in=face_ids).exists()
    assert not any(default_storage.exists(n) for n in names)
    assert default_storage.exists(gallery.file.name)  # other photos are untouched


def test_the_admin_cannot_delete_a_photo_around_the_takedown(allowed_department, admin_user, client):
    image = factories.image(allowed_department, "obama_2.jpg")
    client.force_login(admin_user)
    assert client.post(reverse("admin:faces_image_delete", args=[image.pk]), {"post": "yes"}).status_code == 403
    bulk = {"action": "delete_selected", "_selected_action": [image.pk], "post": "yes"}
    client.post(reverse("admin:faces_image_changelist"), bulk)
    assert Image.objects.filter(pk=image.pk).exists()
    assert not Takedown.objects.exists()
