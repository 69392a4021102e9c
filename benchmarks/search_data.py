"""A synthetic gallery shaped like dlib's descriptors, bulk-loaded with COPY.

Two kinds of data (`--data` of benchmarks.search):

- **calibrated** (default): officer centres drawn from N(mean, Sigma_between) and each photo as
  centre + s * N(0, Sigma_within), with the mean, both covariances (eigenvectors and
  eigenvalues) and the spread of the per-photo quality scale s measured on the shipped
  pipeline's descriptors of LFW DevTrain (benchmarks/data/dlib_devtrain_calibration.npz, made by
  benchmarks.calibrate_search_data). Like real faces, people vary along a few dozen directions
  far more than along the rest, so look-alikes sit near each other.
- **stress**: the first generator, kept as HNSW's hard case. Calibrated on the 14 single-face
  photos in tests/data/faces (norms 1.36-1.53, the same person at 0.13-0.46, different people at
  0.70-1.02, per-dimension spread across people ~0.047): a face is
  common mean (norm ~1.32) + officer offset (sd ~0.047 per dim) + photo noise (sd ~0.025),
  every officer an independent offset in all 128 dimensions, so all officers are nearly
  equidistant (about 0.85 apart) with no gradient for a graph walk to follow.

Shape (both): departments of Zipf-distributed sizes (exponent 1.07), a share of them with
recognition off, officers with 1 + Poisson(3) photos, 10 % of embedded faces never
identified (civilians, unknowns) and 5 % of identified faces kept out of the gallery. Rows
are loaded in a shuffled order, as uploads arrive, so no department is stored contiguously.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

DIM = 128
MEAN_NORM = 1.32
OFFICER_SD = 0.047
PHOTO_SD = 0.025
ZIPF_EXPONENT = 1.07
UNIDENTIFIED_SHARE = 0.10
NOT_FOR_RECOGNITION_SHARE = 0.05
CALIBRATION = Path(__file__).resolve().parent / "data" / "dlib_devtrain_calibration.npz"
DATA_KINDS = ("calibrated", "stress")


@dataclass(frozen=True)
class FaceModel:
    """How officer centres and their photos are drawn: centre = mean + z @ centre_basis,
    photo = centre + quality * (z' @ photo_basis), z and z' standard normal."""

    kind: str
    mean: np.ndarray  # (128,)
    centre_basis: np.ndarray  # (128, 128): rows scaled eigenvectors of the between-officer covariance
    photo_basis: np.ndarray  # (128, 128): the same for the within-officer (photo) covariance
    quality_sigma: float = 0.0  # calibrated: log-normal spread of the per-photo scale

    def centres(self, rng: np.random.Generator, count: int) -> np.ndarray:
        return self.mean + rng.normal(size=(count, DIM)) @ self.centre_basis

    def photos(self, rng: np.random.Generator, centres: np.ndarray) -> np.ndarray:
        """One photo per row of `centres` (float32)."""
        quality = self.quality(rng, len(centres))
        return (centres + (rng.normal(size=centres.shape) @ self.photo_basis) * quality).astype(np.float32)

    def quality(self, rng: np.random.Generator, count: int) -> np.ndarray:
        if self.kind == "stress":
            return rng.uniform(0.7, 1.3, size=(count, 1))
        # exp(sigma z - sigma^2): the squared scale averages 1, so Sigma_within keeps its size.
        sigma = self.quality_sigma
        return np.exp(sigma * rng.normal(size=(count, 1)) - sigma**2)


def stress_model(rng: np.random.Generator) -> FaceModel:
    """The first generator: independent, anisotropic offsets in all 128 dimensions."""
    scale = rng.lognormal(0.0, 0.3, DIM)
    scale /= np.sqrt((scale**2).mean())  # anisotropic, like dlib's dimensions
    mean = rng.normal(size=DIM)
    mean *= MEAN_NORM / np.linalg.norm(mean)
    return FaceModel("stress", mean, np.diag(OFFICER_SD * scale), np.diag(PHOTO_SD * scale))


@lru_cache(maxsize=4)
def calibrated_model(path: Path = CALIBRATION) -> FaceModel:
    """N(mean, Sigma_between) centres and N(0, Sigma_within) photo noise measured on real descriptors."""
    with np.load(path) as c:

        def basis(prefix: str) -> np.ndarray:
            values = np.clip(c[f"{prefix}_values"].astype(np.float64), 0.0, None)
            return (c[f"{prefix}_vectors"].astype(np.float64) * np.sqrt(values)).T

        return FaceModel(
            "calibrated", c["mean"].astype(np.float64), basis("between"), basis("within"), float(c["quality_sigma"])
        )


def face_model(data: str, rng: np.random.Generator) -> FaceModel:
    if data == "stress":
        return stress_model(rng)
    if data == "calibrated":
        return calibrated_model()
    raise ValueError(f"data must be one of {DATA_KINDS}, not {data!r}")


def sample_identities(
    model: FaceModel, photos_per_identity: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Centres (identities x 128), photos (sum x 128, float32) and each photo's identity index."""
    centres = model.centres(rng, len(photos_per_identity))
    owner = np.repeat(np.arange(len(photos_per_identity)), photos_per_identity)
    return centres.astype(np.float32), model.photos(rng, centres[owner]), owner


def participation_ratio(vectors: np.ndarray) -> float:
    """(sum of the covariance's eigenvalues)^2 / sum of their squares: the effective dimensionality."""
    values = np.clip(np.linalg.eigvalsh(np.cov(np.asarray(vectors, dtype=np.float64), rowvar=False)), 0.0, None)
    return float(values.sum() ** 2 / (values**2).sum())


@dataclass
class Gallery:
    department_allowed: np.ndarray  # bool per department (index = id - 1)
    officer_department: np.ndarray  # department id per officer (index = id - 1)
    officer_centre: np.ndarray  # (officers, 128) float32
    face_officer: np.ndarray  # officer id per face, 0 = unidentified
    face_department: np.ndarray  # the photo's department id per face
    face_for_recognition: np.ndarray  # bool
    face_vector: np.ndarray  # (faces, 128) float32
    model: FaceModel | None = field(default=None, repr=False)  # how probes of its officers are drawn

    def gallery_sizes(self) -> dict[int, int]:
        """Gallery faces per allowed department (what search_gallery may return)."""
        gallery = (self.face_officer > 0) & self.face_for_recognition
        depts = self.face_department[gallery]
        sizes = np.bincount(depts, minlength=len(self.department_allowed) + 1)
        return {d: int(sizes[d]) for d in range(1, len(sizes)) if self.department_allowed[d - 1]}


def department_count(n: int) -> int:
    return int(min(400, max(10, n // 2500)))


def generate(n: int, *, seed: int = 7, disallowed_share: float = 0.2, data: str = "calibrated") -> Gallery:
    """N embedded faces (gallery and non-gallery) across Zipf-sized departments.

    `data="stress"` draws exactly what the first generator drew for the same seed.
    """
    if data not in DATA_KINDS:
        raise ValueError(f"data must be one of {DATA_KINDS}, not {data!r}")
    rng = np.random.default_rng(seed)
    n_departments = department_count(n)
    weights = 1.0 / np.arange(1, n_departments + 1) ** ZIPF_EXPONENT
    identified = int(round(n * (1 - UNIDENTIFIED_SHARE)))
    budget = rng.multinomial(identified, weights / weights.sum()) + 2
    allowed = np.ones(n_departments, dtype=bool)
    # The largest department stays allowed so every size of N has the same head.
    off = rng.choice(np.arange(1, n_departments), size=round(disallowed_share * n_departments), replace=False)
    allowed[off] = False

    officer_departments: list[int] = []
    photo_counts: list[int] = []
    for dept, faces in enumerate(budget, start=1):
        while faces > 0:
            k = int(min(faces, 1 + rng.poisson(3)))
            officer_departments.append(dept)
            photo_counts.append(k)
            faces -= k
    officer_department = np.asarray(officer_departments, dtype=np.int64)
    photos = np.asarray(photo_counts, dtype=np.int64)
    model = face_model(data, rng)
    centres = model.centres(rng, len(photos)).astype(np.float32)

    face_officer = np.repeat(np.arange(1, len(photos) + 1), photos)
    n_unknown = max(0, n - len(face_officer))
    unknown_departments = rng.choice(np.arange(1, n_departments + 1), size=n_unknown, p=weights / weights.sum())
    unknown_centres = model.centres(rng, n_unknown)
    face_department = np.concatenate([officer_department[face_officer - 1], unknown_departments])
    base = np.concatenate([centres[face_officer - 1], unknown_centres])
    face_officer = np.concatenate([face_officer, np.zeros(n_unknown, dtype=np.int64)])
    vectors = model.photos(rng, base)
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
        model,
    )


def probe_for(gallery: Gallery, officer_id: int, rng: np.random.Generator) -> np.ndarray:
    """A new photo of a gallery officer (not stored): centre + fresh photo noise."""
    centre = gallery.officer_centre[officer_id - 1]
    if gallery.model is None or gallery.model.kind == "stress":
        noise = rng.normal(size=DIM) * PHOTO_SD  # the first generator's probes, unchanged
        return (centre + noise).astype(np.float32)
    return gallery.model.photos(rng, centre[None, :].astype(np.float64))[0]


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
