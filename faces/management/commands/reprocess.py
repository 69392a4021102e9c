"""Queue photos for processing again: `manage.py reprocess --missing|--all|--stale-embeddings [--department SLUG]`.

--stale-embeddings re-embeds the faces whose stored embedding is of another variant than the
configured pipeline computes (FACES_LANDMARK_MODEL, FACES_EMBED_MIRROR changed): the search skips
those until then.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from faces.models import Face, Image
from faces.pipeline.embed import current_embedding_variant
from faces.tasks import process_face, process_image


class Command(BaseCommand):
    help = "Queue photos for processing again (--missing: photos not done or with unembedded faces)."

    def add_arguments(self, parser) -> None:
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--missing", action="store_true", help="photos not done, or with faces lacking an embedding")
        which.add_argument("--all", action="store_true", help="every photo")
        which.add_argument(
            "--stale-embeddings",
            action="store_true",
            help="faces embedded with another embedding variant than the current settings compute",
        )
        parser.add_argument("--department", help="only this department (slug)")

    def handle(self, *args, **options) -> None:
        images = Image.objects.all()
        if options["department"]:
            images = images.filter(department__slug=options["department"])
            if not images.exists() and not Image.objects.filter(department__slug=options["department"]).exists():
                from departments.models import Department

                if not Department.objects.filter(slug=options["department"]).exists():
                    raise CommandError(f"No department with slug {options['department']!r}.")
        if options["stale_embeddings"]:
            faces = Face.objects.filter(image__in=images, embedding__isnull=False).exclude(
                embedding_variant__in=[current_embedding_variant(), ""]
            )
            stale = 0
            for face_id in faces.values_list("pk", flat=True).iterator():
                process_face.delay(face_id)
                stale += 1
            self.stdout.write(f"Queued {stale} face(s) to re-embed as {current_embedding_variant()}.")
            return
        if options["missing"]:
            images = images.filter(
                ~Q(status=Image.Status.DONE) | Q(faces__embedding__isnull=True, faces__embedding_skipped_reason="")
            ).distinct()
        count = 0
        for image in images.only("pk", "status"):
            if options["missing"] and image.status == Image.Status.DONE:
                # Faces of a finished photo: re-run embedding/search only (detection is done).
                for face_id in image.faces.filter(embedding__isnull=True).values_list("pk", flat=True):
                    process_face.delay(face_id)
            else:
                Image.objects.filter(pk=image.pk).update(status=Image.Status.QUEUED)
                process_image.delay(image.pk)
            count += 1
        self.stdout.write(f"Queued {count} photo(s).")
