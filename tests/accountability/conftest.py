"""A photo with two faces (one identified as an officer, one not) for the report tests."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from faces.services.review import face_identify
from tests.review.conftest import stored_image


@pytest.fixture
def scene(users, allowed_department, other_department, officer):
    return make_scene(users, allowed_department, other_department, officer)


def make_scene(users, allowed_department, other_department, officer) -> SimpleNamespace:
    """photo (two faces: `identified` as `officer`, `unknown`), `other_photo` in another department."""
    photo = stored_image(allowed_department, "obama_1.jpg", boxes=((10, 10, 60, 60), (100, 10, 60, 60)))
    identified, unknown = photo.faces.order_by("pk")
    identified = face_identify(identified, officer=officer, actor=users["volunteer"])
    other_photo = stored_image(other_department, "biden_1.jpg")
    return SimpleNamespace(
        photo=photo,
        identified=identified,
        unknown=unknown,
        officer=officer,
        other_photo=other_photo,
        other_face=other_photo.faces.get(),
    )
