"""Only faces/pipeline/embed.py may touch landmark or descriptor code (docs/architecture.md, rule 1).

The gate lives in embed.py; a second caller of face_encodings or of a shape predictor
anywhere else would be a way around it. This reads the project's source (code tokens
only, not comments or strings) and fails on any such use outside embed.py.
"""

from __future__ import annotations

import io
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
# benchmarks/baseline.py: `make bench` times face_recognition called directly as its
# baseline; it asks the policy first (tests/benchmarks/test_benchmarks_smoke.py proves it).
ALLOWED = {ROOT / "faces" / "pipeline" / "embed.py", ROOT / "benchmarks" / "baseline.py"}
SKIPPED_DIRS = {".venv", "venv", "var", "node_modules", "tests", ".git", "__pycache__", "static", "templates"}
BIOMETRIC_NAMES = {
    "face_encodings",
    "face_landmarks",
    "_raw_face_landmarks",
    "compute_face_descriptor",
    "face_encoder",
    "face_recognition_model_v1",
    "shape_predictor",
    "pose_predictor_5_point",
    "pose_predictor_68_point",
    "full_object_detection",
}


def project_sources() -> list[Path]:
    return [path for path in ROOT.rglob("*.py") if not SKIPPED_DIRS & set(path.relative_to(ROOT).parts[:-1])]


def biometric_uses(path: Path) -> list[str]:
    found, previous = [], ""
    tokens = tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline)
    for token in tokens:
        if token.type != tokenize.NAME:
            continue
        if token.string in BIOMETRIC_NAMES:
            found.append(f"{path.relative_to(ROOT)}:{token.start[0]} uses {token.string}")
        if token.string == "face_recognition" and previous in ("import", "from"):
            found.append(f"{path.relative_to(ROOT)}:{token.start[0]} imports face_recognition")
        previous = token.string
    return found


def test_the_scan_sees_the_project_and_the_gated_module():
    sources = project_sources()
    assert ROOT / "faces" / "pipeline" / "detect.py" in sources
    assert biometric_uses(ROOT / "faces" / "pipeline" / "embed.py")  # the scan would notice a use


def test_no_module_but_embed_computes_landmarks_or_descriptors():
    offenders = [use for path in project_sources() if path not in ALLOWED for use in biometric_uses(path)]
    assert offenders == [], "biometric code outside faces/pipeline/embed.py bypasses the gate: " + ", ".join(offenders)
