"""Every setting the code reads is declared in oversight/settings.py, from the environment.

A `getattr(settings, "X", default)` in an app hides a knob from the one file that lists
them, and lets its default drift from the documented one.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from oversight import settings as declared

ROOT = Path(__file__).resolve().parents[2]
APP_PACKAGES = ("accounts", "departments", "faces", "review", "accountability", "videos", "oversight")
GETATTR_SETTING = re.compile(r"""getattr\(\s*settings\s*,\s*["'](\w+)["']""")
# Name → (a value to set in the environment, the value the setting must then hold, the default).
ENVIRONMENT = {
    "REVIEW_CLAIM_SECONDS": ("90", 90, 600),
    "REVIEW_SKIP_SECONDS": ("3600", 3600, 24 * 3600),
    "FACES_SEARCH_EXACT_MAX_OFFICERS": ("500", 500, 20_000),
    "FACES_SEARCH_EF_SEARCH": ("64", 64, 150),
    "FACES_SEARCH_DEPARTMENT_GRAPH_MIN_OFFICERS": ("0", 0, 20_000),
    "FACES_DETECT_STAGED_MIN_PIXELS": ("0", 0, 500_000),
    "FACES_DETECT_FIRST_SIDE": ("800", 800, 640),
    "FACES_REKOGNITION_REGION": ("eu-west-1", "eu-west-1", ""),
}


def app_sources() -> list[Path]:
    return [
        path
        for package in APP_PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if "migrations" not in path.parts
    ]


def test_every_setting_read_through_getattr_is_declared_in_settings():
    undeclared = {
        f"{path.relative_to(ROOT)}: {name}"
        for path in app_sources()
        for name in GETATTR_SETTING.findall(path.read_text())
        if not hasattr(declared, name)
    }
    assert not undeclared


@pytest.mark.parametrize("name", sorted(ENVIRONMENT))
def test_no_app_reads_the_setting_with_a_default_of_its_own(name):
    readers = [
        str(path.relative_to(ROOT)) for path in app_sources() if name in GETATTR_SETTING.findall(path.read_text())
    ]
    assert readers == []


def _settings_under(env: dict[str, str], tmp_path: Path) -> dict:
    names = sorted(ENVIRONMENT)
    clean = {k: v for k, v in os.environ.items() if k not in ENVIRONMENT and not k.startswith("DJANGO_")}
    # An external URL keeps the import from starting the embedded server; nothing connects.
    clean.update(DATABASE_URL="postgres://nobody@127.0.0.1:1/none", OVERSIGHT_VAR_DIR=str(tmp_path), **env)
    code = f"import json, oversight.settings as s; print(json.dumps({{n: getattr(s, n) for n in {names!r}}}))"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_settings_come_from_the_environment_with_their_documented_defaults(tmp_path):
    assert _settings_under({}, tmp_path) == {name: default for name, (_, _, default) in ENVIRONMENT.items()}
    set_all = {name: raw for name, (raw, _, _) in ENVIRONMENT.items()}
    assert _settings_under(set_all, tmp_path) == {name: value for name, (_, value, _) in ENVIRONMENT.items()}


def test_a_non_numeric_claim_duration_is_refused_at_start_up(tmp_path):
    with pytest.raises(AssertionError, match="REVIEW_CLAIM_SECONDS must be an integer"):
        _settings_under({"REVIEW_CLAIM_SECONDS": "ten minutes"}, tmp_path)


def test_claims_and_skips_last_as_long_as_the_settings_say(settings):
    from review.services.claims import claim_ttl, skip_ttl

    settings.REVIEW_CLAIM_SECONDS = 42
    settings.REVIEW_SKIP_SECONDS = 7
    assert (claim_ttl(), skip_ttl()) == (timedelta(seconds=42), timedelta(seconds=7))


def test_the_rekognition_region_setting_wins_over_the_aws_environment(settings, monkeypatch):
    from faces.pipeline.label import _aws_region

    monkeypatch.setenv("AWS_REGION", "us-west-2")
    settings.FACES_REKOGNITION_REGION = "eu-central-1"
    assert _aws_region() == "eu-central-1"
    settings.FACES_REKOGNITION_REGION = ""
    assert _aws_region() == "us-west-2"
