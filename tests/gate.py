"""A small world for rule 4 tests: biometric data in a department that allows recognition.

An Oregon department with recognition on, one officer, one photo with two embedded faces
(the officer's gallery face, and a probe face with a pending suggestion naming the
officer), plus an Illinois department and one with recognition off to move things to.
"""

from __future__ import annotations

from dataclasses import dataclass

from departments.models import Department, Officer
from faces.models import Face, Image, MatchSuggestion
from tests import factories

VECTOR = [0.1] * 128


@dataclass
class World:
    department: Department
    officer: Officer
    image: Image
    gallery_face: Face
    probe_face: Face
    suggestion: MatchSuggestion
    illinois: Department
    off: Department


def build_world(name: str = "Portland PD") -> World:
    department = factories.allowed_department(name=name, state="OR")
    officer = factories.officer(department)
    image = factories.image(department, status=Image.Status.DONE)
    gallery_face = factories.face(image, x=0, officer=officer, use_for_recognition=True, embedding=VECTOR)
    probe_face = factories.face(image, x=80, embedding=VECTOR)
    return World(
        department=department,
        officer=officer,
        image=image,
        gallery_face=gallery_face,
        probe_face=probe_face,
        suggestion=factories.suggestion(probe_face, officer),
        illinois=factories.illinois_department(name=f"Chicago PD {department.pk}"),
        off=factories.disallowed_department(name=f"Fresno PD {department.pk}"),
    )


def embedded(world: World) -> int:
    return Face.objects.filter(pk__in=[world.gallery_face.pk, world.probe_face.pk], embedding__isnull=False).count()


def pending(world: World) -> int:
    return MatchSuggestion.objects.filter(pk=world.suggestion.pk, status=MatchSuggestion.Status.PENDING).count()
