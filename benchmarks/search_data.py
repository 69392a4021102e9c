"""A synthetic gallery shaped like dlib's descriptors, bulk-loaded with COPY.

Calibration (dlib 20, face_recognition's 128-d model, the 14 single-face photos in
tests/data/faces): descriptor norms 1.36-1.53, the same person at 0.13-0.46, different
people at 0.70-1.02; per-dimension spread across people ~0.047 (0.023-0.099). So a face is
  common mean (norm ~1.32) + officer offset (sd ~0.047 per dim) + photo noise (sd ~0.025),
which puts same-officer pairs near 0.40 and different officers near 0.85, like dlib.

Shape: departments of Zipf-distributed sizes (exponent 1.07), a share of them with
recognition off, officers with 1 + Poisson(3) photos, 10 % of embedded faces never
identified (civilians, unknowns) and 5 % of identified faces kept out of the gallery. Rows
are loaded in a shuffled order, as uploads arrive, so no department is stored contiguously.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np

DIM = 128
MEAN_NORM = 1.32
OFFICER_SD = 0.047
PHOTO_SD = 0.025
ZIPF_EXPONENT = 1.07
UNIDENTIFIED_SHARE = 0.10
NOT_FOR_RECOGNITION_SHARE = 0.05


@dataclass
class Gallery:
    department_allowed: np.ndarray  # bool per department (index = id - 1)
    officer_department: np.ndarray  # department id per officer (index = id - 1)
    officer_centre: np.ndarray  # (officers, 128) float32
    face_officer: np.ndarray  # officer id per face, 0 = unidentified
    face_department: np.ndarray  # the photo's department id per face
    face_for_recognition: np.ndarray  # bool
    face_vector: np.ndarray  # (faces, 128) float32

    def gallery_sizes(self) -> dict[int, int]:
        """Gallery faces per allowed department (what search_gallery may return)."""
        gallery = (self.face_officer > 0) & self.face_for_recognition
        depts = self.face_department[gallery]
        sizes = np.bincount(depts, minlength=len(self.department_allowed) + 1)
        return {d: int(sizes[d]) for d in range(1, len(sizes)) if self.department_allowed[d - 1]}


def department_count(n: int) -> int:
    return int(min(400, max(10, n // 2500)))


def generate(n: int, *, seed: int = 7, disallowed_share: float = 0.2) -> Gallery:
    """N embedded faces (gallery and non-gallery) across Zipf-sized departments."""
    rng = np.random.default_rng(seed)
    n_departments = department_count(n)
    weights = 1.0 / np.arange(1, n_departments + 1) ** ZIPF_EXPONENT
    identified = int(round(n * (1 - UNIDENTIFIED_SHARE)))
    budget = rng.multinomial(identified, weights / weights.sum()) + 2
    allowed = np.ones(n_departments, dtype=bool)
    # The largest department stays allowed so every size of N has the same head.
    off = rng.choice(np.arange(1, n_departments), size=round(disallowed_share * n_departments), replace=False)
    allowed[off] = False

    officer_department, photos = [], []
    for dept, faces in enumerate(budget, start=1):
        while faces > 0:
            k = int(min(faces, 1 + rng.poisson(3)))
            officer_department.append(dept)
            photos.append(k)
            faces -= k
    officer_department = np.asarray(officer_department, dtype=np.int64)
    photos = np.asarray(photos, dtype=np.int64)
    scale = rng.lognormal(0.0, 0.3, DIM)
    scale /= np.sqrt((scale**2).mean())  # anisotropic, like dlib's dimensions
    mean = rng.normal(size=DIM)
    mean *= MEAN_NORM / np.linalg.norm(mean)
    centres = (mean + rng.normal(size=(len(photos), DIM)) * OFFICER_SD * scale).astype(np.float32)

    face_officer = np.repeat(np.arange(1, len(photos) + 1), photos)
    n_unknown = max(0, n - len(face_officer))
    unknown_departments = rng.choice(np.arange(1, n_departments + 1), size=n_unknown, p=weights / weights.sum())
    unknown_centres = mean + rng.normal(size=(n_unknown, DIM)) * OFFICER_SD * scale
    face_department = np.concatenate([officer_department[face_officer - 1], unknown_departments])
    base = np.concatenate([centres[face_officer - 1], unknown_centres])
    face_officer = np.concatenate([face_officer, np.zeros(n_unknown, dtype=np.int64)])
    quality = rng.uniform(0.7, 1.3, size=(len(base), 1))
    vectors = (base + rng.normal(size=base.shape) * PHOTO_SD * scale * quality).astype(np.float32)
    for_recognition = (face_officer > 0) & (rng.random(len(base)) >= NOT_FOR_RECOGNITION_SHARE)
    order = rng.permutation(len(base))  # uploads arrive interleaved across departments
    return Gallery(
        allowed,
        officer_department,
        centres,
        face_officer[order],
        face_department[order],
        for_recognition[order],
        vectors[order],
    )


def probe_for(gallery: Gallery, officer_id: int, rng: np.random.Generator) -> np.ndarray:
    """A new photo of a gallery officer (not stored): centre + fresh photo noise."""
    noise = rng.normal(size=DIM) * PHOTO_SD
    return (gallery.officer_centre[officer_id - 1] + noise).astype(np.float32)


def _vector_lines(vectors: np.ndarray) -> list[str]:
    buffer = io.StringIO()
    np.savetxt(buffer, vectors, fmt="%.6f", delimiter=",")
    return ["[" + line + "]" for line in buffer.getvalue().splitlines()]


def load(cursor, gallery: Gallery, *, chunk: int = 20_000) -> None:
    """COPY departments, officers, images and faces (ids 1..n), then move the sequences."""
    from faces.pipeline.embed import current_embedding_variant  # needs Django's settings

    now = "2024-01-01 00:00:00+00"
    with cursor.copy(
        "COPY departments_department (id, name, slug, state, facial_recognition_allowed, "
        "complaint_url, complaint_instructions, created_at, updated_at) FROM STDIN"
    ) as copy:
        for i, ok in enumerate(gallery.department_allowed, start=1):
            copy.write_row((i, f"Department {i}", f"department-{i}", "CA", bool(ok), "", "", now, now))
    with cursor.copy(
        "COPY departments_officer (id, department_id, first_name, middle_name, last_name, suffix, "
        "employee_id, badge_number, rank, unit, gender, race, public_notes, created_at, updated_at) FROM STDIN"
    ) as copy:
        for i, dept in enumerate(gallery.officer_department, start=1):
            copy.write_row((i, int(dept), "Officer", "", str(i), "", "", str(i), "", "", "", "", "", now, now))
    n = len(gallery.face_vector)
    for start in range(0, n, chunk):
        stop = min(n, start + chunk)
        with cursor.copy(
            "COPY faces_image (id, file, public_file, sha256, format, department_id, "
            "original_filename, width, height, status, error, attempts, labels, uploader_session, "
            "created_at, updated_at) FROM STDIN"
        ) as copy:
            for i in range(start, stop):
                copy.write_row(
                    (
                        i + 1,
                        f"originals/bench/{i + 1}.jpg",
                        "",
                        f"{i + 1:064x}",
                        "JPEG",
                        int(gallery.face_department[i]),
                        f"{i + 1}.jpg",
                        1024,
                        768,
                        "done",
                        "",
                        1,
                        "{}",
                        "",
                        now,
                        now,
                    )
                )
        lines = _vector_lines(gallery.face_vector[start:stop])
        # Searched like real descriptors of today's pipeline (the search compares one variant).
        variant = current_embedding_variant()
        with cursor.copy(
            "COPY faces_face (id, image_id, x, y, w, h, source, officer_id, is_civilian, "
            "embedding, embedding_variant, embedding_skipped_reason, use_for_recognition, created_at) FROM STDIN"
        ) as copy:
            for i, line in zip(range(start, stop), lines, strict=True):
                officer = int(gallery.face_officer[i]) or None
                copy.write_row(
                    (
                        i + 1,
                        i + 1,
                        100,
                        100,
                        120,
                        120,
                        "detector",
                        officer,
                        False,
                        line,
                        variant,
                        "",
                        bool(gallery.face_for_recognition[i]),
                        now,
                    )
                )
    for table in ("departments_department", "departments_officer", "faces_image", "faces_face"):
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
