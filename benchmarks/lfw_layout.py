"""An LFW-layout folder made from the shared test photos (tests/data/faces).

ROOT/<identity>/<identity>_NNNN.jpg for every single-face photo of MANIFEST.csv, plus an
LFW pairs file: every same-person pair and as many different-person pairs, chosen in a
fixed order. 22 photos are far too few to measure accuracy; this exists so that
`manage.py evaluate` can be tested and run on real faces here.
"""

from __future__ import annotations

import csv
import io
from itertools import combinations
from pathlib import Path

from PIL import Image

FACES = Path(__file__).resolve().parent.parent / "tests" / "data" / "faces"


def single_face_photos(faces: Path = FACES) -> dict[str, list[str]]:
    """identity -> file names, in MANIFEST order, for photos of one known person."""
    identities: dict[str, list[str]] = {}
    with open(faces / "MANIFEST.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["num_faces"] == "1" and row["identity"] not in ("group", "none"):
                identities.setdefault(row["identity"], []).append(row["file"])
    return identities


def build(root: Path, faces: Path = FACES) -> Path:
    """Write the folder and ROOT/pairs.txt; return the pairs file's path."""
    identities = single_face_photos(faces)
    for identity, files in identities.items():
        folder = root / identity
        folder.mkdir(parents=True, exist_ok=True)
        for number, name in enumerate(files, start=1):
            with Image.open(faces / name) as im:
                rgb = im.convert("RGBA") if im.mode in ("RGBA", "LA", "P") else im.convert("RGB")
                if rgb.mode == "RGBA":  # flatten onto white, as the pipeline does
                    background = Image.new("RGB", rgb.size, "white")
                    background.paste(rgb, mask=rgb.getchannel("A"))
                    rgb = background
                buffer = io.BytesIO()
                rgb.save(buffer, "JPEG", quality=95)
            (folder / f"{identity}_{number:04d}.jpg").write_bytes(buffer.getvalue())
    same = [(who, a, b) for who, files in identities.items() for a, b in combinations(range(1, len(files) + 1), 2)]
    everyone = [(who, n) for who, files in identities.items() for n in range(1, len(files) + 1)]
    different = [(a, b) for a, b in combinations(everyone, 2) if a[0] != b[0]]
    # A fixed, spread-out choice: every k-th different-person pair.
    step = max(1, len(different) // len(same))
    different = different[::step][: len(same)]
    lines = [str(len(same))]
    lines += [f"{who}\t{a}\t{b}" for who, a, b in same]
    lines += [f"{a[0]}\t{a[1]}\t{b[0]}\t{b[1]}" for a, b in different]
    pairs = root / "pairs.txt"
    pairs.write_text("\n".join(lines) + "\n")
    return pairs
