"""Shipped-settings dlib descriptors of every photo of an LFW-layout set, through the product's code.

    python -m benchmarks.devtrain_descriptors --dataset DIR [--cache-dir DIR] --output FILE.npz

DIR is the dataset folder (holding lfw/) or the lfw/ folder itself. The descriptors come from
`manage.py evaluate --identify` (faces.evaluation.Embedder: decode, detect, most central usable
face, embed, with the gate asked) in a throwaway benchmark database; with --cache-dir they are
read from, or added to, the same on-disk cache `evaluate --cache-dir` and
`benchmarks.accuracy --cache-dir` use, so a set embedded once is never embedded again.

The saved file holds `names` (identity per photo), `paths`, `vectors` (N x 128 float32, a NaN row
where no usable face was found) and `has_face`; benchmarks.calibrate_search_data and
benchmarks.search_realism read it with `--descriptors FILE`.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from dataclasses import dataclass
from io import StringIO
from pathlib import Path

import numpy as np

DIM = 128


@dataclass(frozen=True)
class Descriptors:
    names: np.ndarray  # identity per photo (str)
    paths: np.ndarray  # photo path (str)
    vectors: np.ndarray  # (photos, 128) float32; NaN rows: no usable face
    settings: str = ""  # JSON of the faces.evaluation.PipelineSettings that computed them

    @property
    def has_face(self) -> np.ndarray:
        return ~np.isnan(self.vectors).any(axis=1)

    def by_identity(self) -> dict[str, np.ndarray]:
        """Each identity's usable descriptors, in photo-number order (identities without one left out)."""
        usable = self.has_face
        grouped: dict[str, list[np.ndarray]] = {}
        for name, vector, ok in zip(self.names, self.vectors, usable, strict=True):
            if ok:
                grouped.setdefault(str(name), []).append(vector)
        return {name: np.stack(vectors) for name, vectors in grouped.items()}

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as handle:
            np.savez(
                handle,
                names=self.names,
                paths=self.paths,
                vectors=self.vectors,
                has_face=self.has_face,
                settings=np.asarray(self.settings),
            )


def load(path: Path) -> Descriptors:
    with np.load(path) as stored:
        settings = str(stored["settings"]) if "settings" in stored.files else ""
        return Descriptors(stored["names"], stored["paths"], stored["vectors"].astype(np.float32), settings)


def lfw_root(dataset: Path) -> Path:
    return dataset / "lfw" if (dataset / "lfw").is_dir() else dataset


def compute(dataset: Path, cache_dir: Path | None) -> Descriptors:
    """Run `evaluate --identify` with the shipped settings, then read its cache in file order."""
    from benchmarks import env as bench

    root = lfw_root(dataset)
    with tempfile.TemporaryDirectory() as scratch, bench.bench_environment("descriptors"):
        from django.core.management import call_command  # Django is set up by now

        from faces import evaluation

        cache = cache_dir if cache_dir is not None else Path(scratch)
        department = bench.allowed_department()
        out = StringIO()
        args = ["--root", str(root), "--identify", "--department", department.slug, "--json", "--cache-dir", str(cache)]
        call_command("evaluate", *args, stdout=out)
        # The settings evaluate used name its cache file; reading it back embeds nothing new.
        used = json.loads(out.getvalue())["settings"]
        config = evaluation.PipelineSettings(**used)
        embed = evaluation.Embedder(department, config, cache_dir=cache)
        names, paths, vectors = [], [], []
        for name, numbers in evaluation.scan_identities(root).items():
            for number in numbers:
                path = evaluation.image_path(root, name, number)
                vector = embed(path)
                names.append(name)
                paths.append(str(path))
                vectors.append(np.full(DIM, np.nan, np.float32) if vector is None else vector.astype(np.float32))
        if embed.embedded:  # only if the cache was incomplete (it should not be)
            embed.save()
    return Descriptors(np.asarray(names), np.asarray(paths), np.stack(vectors), json.dumps(used, sort_keys=True))


def add_source_arguments(parser: argparse.ArgumentParser) -> None:
    """--dataset/--cache-dir (embed through the product) or --descriptors (a file saved by this module)."""
    parser.add_argument("--dataset", type=Path, help="LFW-layout dataset folder (holding lfw/) or its lfw/ folder")
    parser.add_argument("--cache-dir", type=Path, help="descriptor cache shared with `manage.py evaluate --cache-dir`")
    parser.add_argument("--descriptors", type=Path, help="a file saved by benchmarks.devtrain_descriptors instead")


def from_arguments(args: argparse.Namespace, parser: argparse.ArgumentParser) -> Descriptors:
    if args.descriptors is not None:
        return load(args.descriptors)
    if args.dataset is None:
        parser.error("give --dataset DIR (optionally with --cache-dir) or --descriptors FILE")
    return compute(args.dataset, args.cache_dir)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_source_arguments(parser)
    parser.add_argument("--output", type=Path, required=True, help="the .npz file to write")
    args = parser.parse_args(argv)
    descriptors = from_arguments(args, parser)
    descriptors.save(args.output)
    print(
        f"{len(descriptors.names)} photos of {len(set(descriptors.names.tolist()))} identities, "
        f"{int(descriptors.has_face.sum())} with a usable face -> {args.output}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
