"""A fresh clone's `make run` serves every page with its CSS and JavaScript.

The server is started exactly as the Makefile starts it (DEBUG off, no collectstatic),
so these tests see what a newcomer sees; pytest-django's live server serves static files
its own way and hid the bug for a long time.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urljoin

import pytest
from django.conf import settings
from django.test import Client

from departments.models import Department
from faces.models import Image
from tests.conftest import make_user
from tests.first_run.server import MAKEFILE_RUNSERVER, MAKEFILE_WORKER, ROOT, assets_of, fetch, running_site, site_env

JAVASCRIPT = ("text/javascript", "application/javascript")


def makefile_recipe(target: str) -> str:
    text = (ROOT / "Makefile").read_text()
    match = re.search(rf"^{target}:.*?\n((?:\t.*\n?)*)", text, re.MULTILINE)
    assert match, f"no {target} target in the Makefile"
    return match.group(1)


def assert_page_and_its_assets_load(base: str, path: str, cookie: str = "", status: int = 200) -> list[str]:
    """The page answers HTML; each stylesheet is text/css and each script JavaScript."""
    got, content_type, body = fetch(urljoin(base, path), cookie=cookie)
    assert got == status, f"{path} answered {got}"
    assert content_type.startswith("text/html"), path
    assets = assets_of(body.decode())
    assert assets.stylesheets, f"{path} links no stylesheet"
    checked = []
    for href, expected in [(h, ("text/css",)) for h in assets.stylesheets] + [(s, JAVASCRIPT) for s in assets.scripts]:
        asset_status, asset_type, asset = fetch(urljoin(urljoin(base, path), href))
        assert asset_status == 200, f"{path}: {href} answered {asset_status}"
        assert asset_type.split(";")[0].strip() in expected, f"{path}: {href} served as {asset_type}"
        assert asset.strip(), f"{path}: {href} is empty"
        checked.append(href)
    return checked


def test_the_makefile_runs_the_command_these_tests_start_with_debug_off():
    run = makefile_recipe("run")
    assert MAKEFILE_RUNSERVER in run and MAKEFILE_WORKER in run
    makefile = (ROOT / "Makefile").read_text()
    assert "DJANGO_DEBUG" not in makefile and "--insecure" not in makefile  # DEBUG stays off


def test_a_server_started_like_make_run_serves_every_page_with_its_css_and_javascript(transactional_db, tmp_path):
    department = Department.objects.create(name="Springfield Police Department", slug="springfield", state="OR")
    image = Image.objects.create(
        file="originals/aa/photo.jpg", sha256="a" * 64, format="JPEG", department=department, width=640, height=480
    )
    volunteer = make_user("volunteer", role="volunteer")
    client = Client()
    client.force_login(volunteer)
    session = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"

    var_dir = tmp_path / "var"
    with running_site(var_dir, MEDIA_ROOT=str(tmp_path / "media")) as site:
        checked = {
            path: assert_page_and_its_assets_load(site.url, path)
            for path in ("/", "/submit/", f"/images/{image.pk}/", f"/departments/{department.slug}/", "/api/v1/docs/")
        }
        checked["/review/"] = assert_page_and_its_assets_load(site.url, "/review/", cookie=session)
        checked["404"] = assert_page_and_its_assets_load(site.url, "/no-such-page/", status=404)
    # Every script the site ships was fetched from at least one page.
    every = {href for hrefs in checked.values() for href in hrefs}
    for name in ("css/site.css", "css/review.css", "js/upload.js", "js/box-editor.js", "js/photo-page.js"):
        assert any(href.endswith(name) for href in every), (name, every)
    assert any(href.endswith("js/review-keys.js") for href in every)
    # Nothing was collected: the files came straight from static/.
    assert not any((var_dir / "static").rglob("*.css"))


def test_an_unknown_static_file_is_a_404_not_a_page(transactional_db, tmp_path):
    with running_site(tmp_path / "var") as site:
        status, _, _ = fetch(f"{site.url}/static/js/no-such-file.js")
    assert status == 404


@pytest.mark.parametrize("collected", [False, True], ids=["before-collectstatic", "after-collectstatic"])
def test_production_mode_serves_hashed_files_after_collectstatic_and_never_a_500_without_it(
    transactional_db, tmp_path: Path, collected: bool
):
    Department.objects.create(name="Springfield Police Department", slug="springfield", state="OR")
    var_dir = tmp_path / "var"
    production = {
        "OVERSIGHT_PRODUCTION": "true",
        "SECURE_SSL_REDIRECT": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
    }
    if collected:  # the README's production block
        result = subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput"],
            cwd=ROOT,
            env=site_env(var_dir, **production),
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        assert (var_dir / "static" / "staticfiles.json").exists()
    with running_site(var_dir, **production) as site:
        status, content_type, body = fetch(f"{site.url}/")
        assert status == 200, site.output()
        stylesheet = assets_of(body.decode()).stylesheets[0]
        if collected:
            assert re.search(r"/static/css/site\.[0-9a-f]{12}\.css$", stylesheet), stylesheet
            status, content_type, _ = fetch(urljoin(site.url, stylesheet))
            assert status == 200 and content_type.startswith("text/css")
        else:  # no manifest: the plain name, not a 500 on every page
            assert stylesheet == "/static/css/site.css"
