"""Measure the face pipeline on a labelled set in the LFW layout.

    manage.py evaluate --root DIR --pairs FILE --department SLUG [--identify]
                       [--jitters N] [--landmark-model small|large] [--upsample N] [--max-side PX]
                       [--mirror | --no-mirror] [--fallback none|hog|cnn] [--cache-dir DIR]

Embeddings are computed by the project's own pipeline and only for a department where the
recognition policy allows it: evaluation is biometric work like any other.
"""

from __future__ import annotations

import json
from argparse import BooleanOptionalAction
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from departments.models import Department
from departments.policy import RecognitionNotAllowed, recognition_allowed
from faces import evaluation
from faces.pipeline.detect import FALLBACKS, MAX_UPSAMPLE
from faces.pipeline.embed import LANDMARK_MODELS, MAX_JITTERS


class Command(BaseCommand):
    help = "Verification and identification accuracy of the face pipeline on an LFW-layout set."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--root", required=True, help="folder holding <identity>/<identity>_NNNN.jpg")
        parser.add_argument("--pairs", help="LFW-format pairs file (verification)")
        parser.add_argument("--identify", action="store_true", help="also measure rank-1 identification")
        parser.add_argument(
            "--department", required=True, help="slug of a department where facial recognition is allowed"
        )
        parser.add_argument("--threshold", type=float, default=None, help="default: FACES_MATCH_THRESHOLD")
        parser.add_argument("--gallery-size", type=int, default=2, help="gallery images per identity (default 2)")
        parser.add_argument("--jitters", type=int, default=None, help="default: FACES_EMBED_JITTERS")
        parser.add_argument(
            "--landmark-model", choices=LANDMARK_MODELS, default=None, help="default: FACES_LANDMARK_MODEL"
        )
        parser.add_argument("--upsample", type=int, default=None, help="default: FACES_UPSAMPLE")
        parser.add_argument("--max-side", type=int, default=None, help="default: FACES_DETECT_MAX_SIDE")
        parser.add_argument("--detector", choices=("hog", "cnn"), default=None, help="default: FACES_DETECTOR")
        parser.add_argument(
            "--mirror",
            action=BooleanOptionalAction,
            default=None,
            help="average with the mirrored face chip (default: FACES_EMBED_MIRROR)",
        )
        parser.add_argument(
            "--fallback",
            choices=[f or "none" for f in FALLBACKS],
            default=None,
            help="second detection pass where the first finds no face (default: FACES_DETECT_FALLBACK)",
        )
        parser.add_argument(
            "--shortlist", type=int, default=5, help="identities re-ranked by the shortlist aggregations (default 5)"
        )
        parser.add_argument(
            "--cache-dir", type=Path, default=None, help="keep descriptors on disk, one file per settings variant"
        )
        parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")

    def handle(self, *args, **options) -> None:
        root = Path(options["root"])
        if not root.is_dir():
            raise CommandError(f"--root {root} is not a folder.")
        if not options["pairs"] and not options["identify"]:
            raise CommandError("Nothing to measure: give --pairs FILE, --identify, or both.")
        department = self._department(options["department"])
        config = self._config(options)
        threshold = settings.FACES_MATCH_THRESHOLD if options["threshold"] is None else options["threshold"]
        if options["gallery_size"] < 1:
            raise CommandError("--gallery-size must be at least 1.")
        pairs = self._pairs(Path(options["pairs"])) if options["pairs"] else []
        embed = evaluation.Embedder(department, config, cache_dir=options["cache_dir"])
        report: dict = {"settings": config.__dict__, "threshold": threshold}
        try:
            if pairs:
                result = evaluation.verify(
                    pairs,
                    lambda p: (
                        embed(evaluation.image_path(root, *p.left)),
                        embed(evaluation.image_path(root, *p.right)),
                    ),
                    threshold=threshold,
                )
                report["verification"] = result.__dict__
            if options["identify"]:
                identities = {
                    name: [v for v in (embed(evaluation.image_path(root, name, n)) for n in numbers) if v is not None]
                    for name, numbers in evaluation.scan_identities(root).items()
                }
                report["identification"] = evaluation.identify(
                    identities, gallery_size=options["gallery_size"], shortlist=options["shortlist"]
                ).__dict__
        except RecognitionNotAllowed as exc:  # the flag went off while we were running
            raise CommandError(f"Stopped: facial recognition is no longer allowed for {department.slug}.") from exc
        finally:
            embed.save()
        report["images"] = {"read": len(embed.cache), "no_face": embed.no_face, "unreadable": len(embed.unreadable)}
        computed = embed.embedded
        report["timing"] = {
            "faces_embedded": computed,
            "embed_ms_per_face": 1000 * embed.embed_seconds / computed if computed else None,
            "detect_ms_per_image": 1000 * embed.detect_seconds / embed.detected if embed.detected else None,
        }
        if options["json"]:
            self.stdout.write(json.dumps(report, default=float))
        else:
            self._print(report)

    def _department(self, slug: str) -> Department:
        department = Department.objects.filter(slug=slug).first()
        if department is None:
            raise CommandError(f"No department with slug {slug!r}.")
        if not recognition_allowed(department):
            raise CommandError(
                f"Facial recognition is not allowed for {department.name} ({slug}); evaluation computes face "
                "embeddings, so it runs only for a department where the recognition policy allows them."
            )
        return department

    def _config(self, options: dict) -> evaluation.PipelineSettings:
        def pick(name: str, setting: str):
            return getattr(settings, setting) if options[name] is None else options[name]

        config = evaluation.PipelineSettings(
            detector=pick("detector", "FACES_DETECTOR"),
            upsample=pick("upsample", "FACES_UPSAMPLE"),
            max_side=pick("max_side", "FACES_DETECT_MAX_SIDE"),
            jitters=pick("jitters", "FACES_EMBED_JITTERS"),
            landmark_model=pick("landmark_model", "FACES_LANDMARK_MODEL"),
            mirror=pick("mirror", "FACES_EMBED_MIRROR"),
            fallback="" if options["fallback"] == "none" else pick("fallback", "FACES_DETECT_FALLBACK"),
            fallback_max_side=settings.FACES_DETECT_FALLBACK_MAX_SIDE,
            min_face_px=settings.FACES_MIN_FACE_PX,
            min_score=settings.FACES_MIN_DETECTOR_SCORE,
            max_pixels=settings.FACES_DECODE_MAX_PIXELS,
        )
        if not 0 <= config.upsample <= MAX_UPSAMPLE:
            raise CommandError(f"--upsample must be between 0 and {MAX_UPSAMPLE}.")
        if not 1 <= config.jitters <= MAX_JITTERS:
            raise CommandError(f"--jitters must be between 1 and {MAX_JITTERS}.")
        if options["shortlist"] < 1:
            raise CommandError("--shortlist must be at least 1.")
        if config.max_side < 0:
            raise CommandError("--max-side must be 0 (no limit) or a number of pixels.")
        return config

    def _pairs(self, path: Path) -> list[evaluation.Pair]:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Cannot read the pairs file {path}: {exc}") from exc
        try:
            return evaluation.parse_pairs(text)
        except evaluation.PairsFormatError as exc:
            raise CommandError(f"{path} is not an LFW pairs file: {exc}") from exc

    def _print(self, report: dict) -> None:
        c, images = report["settings"], report["images"]
        out = self.stdout.write
        out(
            f"Settings: detector={c['detector']} upsample={c['upsample']} max_side={c['max_side']} "
            f"jitters={c['jitters']} landmarks={c['landmark_model']} mirror={c['mirror']} "
            f"fallback={c['fallback'] or 'none'}"
        )
        out(
            f"Images: {images['read']} read, {images['no_face']} with no face, "
            f"{images['unreadable']} unreadable or missing"
        )
        v = report.get("verification")
        if v:
            out(
                f"Pairs: {v['pairs']} ({v['same_pairs']} same-person, {v['different_pairs']} different-person); "
                f"{v['skipped_pairs']} skipped (an image without a face)"
            )
            out(
                f"Verification accuracy at threshold {v['threshold']:.3f}: {v['accuracy']:.4f} "
                f"({v['accuracy_counting_skipped']:.4f} counting skipped pairs as errors)"
            )
            out(f"Best threshold from sweep: {v['best_threshold']:.3f} with accuracy {v['best_accuracy']:.4f}")
            impostors = len(v["different_distances"])
            note = f"; only {impostors} different-person pairs" if impostors and impostors < 1 / v["far_target"] else ""
            out(f"TAR at FAR={v['far_target']:.1%}: {v['tar_at_far']:.4f} (threshold {v['far_threshold']:.3f}{note})")
            for label, key in (("Same-person", "same_distances"), ("Different-person", "different_distances")):
                d = v[key]
                if d:
                    out(f"{label} distances: min {min(d):.3f}, median {sorted(d)[len(d) // 2]:.3f}, max {max(d):.3f}")
        i = report.get("identification")
        if i:
            out(
                f"Rank-1 identification: {i['probes']} probes against {i['identities']} identities "
                f"({i['gallery_images']} gallery images): best-distance {i['best_distance']:.4f}, "
                f"per-identity centroid {i['centroid']:.4f}, centroid shortlist of {i['shortlist']} ranked by best "
                f"photo {i['centroid_shortlist_best']:.4f}, best-photo shortlist ranked by centroid "
                f"{i['best_shortlist_centroid']:.4f}"
            )
            out(
                f"Rank-1 with full galleries ({i['full_gallery_probes']} probes, each against a full gallery of its "
                "identity; identities with no more photos than the gallery size are all gallery): "
                f"centroid {i['full_gallery_centroid']:.4f}, best-distance {i['full_gallery_best_distance']:.4f}"
            )
        t = report["timing"]
        if t["faces_embedded"]:
            out(
                f"Time: {t['embed_ms_per_face']:.1f} ms per face to embed (landmarks and descriptor), "
                f"{t['detect_ms_per_image']:.1f} ms per image to detect, over {t['faces_embedded']} faces computed "
                "in this run"
            )
