"""The hostile corpus through the upload form (batch and one-file JSON) and the API.

Each file gets a clear 4xx with a message, or is accepted; never a 5xx, never a row or a
stored file for a refused one, and the good files of a batch are unaffected.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from faces.models import Image
from tests.hostile import corpus, corpus_ids


def stored_files(settings) -> list[Path]:
    root = Path(settings.STORAGES["default"]["OPTIONS"]["location"])
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture
def anonymous():
    return Client()


@pytest.mark.parametrize("item", corpus(), ids=corpus_ids())
def test_each_hostile_file_through_the_api_is_refused_clearly_or_accepted(
    item, anonymous, allowed_department, settings
):
    response = anonymous.post(
        reverse("api:image-upload"),
        {"file": SimpleUploadedFile(item.name, item.read()), "department": allowed_department.pk},
    )
    if item.accepted:
        assert response.status_code == 201, response.content
        assert Image.objects.count() == 1
    else:
        assert 400 <= response.status_code < 500, response.content
        body = response.json()
        assert body["detail"] and body["errors"]["file"]
        assert Image.objects.count() == 0 and stored_files(settings) == []


@pytest.mark.parametrize("item", corpus(), ids=corpus_ids())
def test_each_hostile_file_through_the_form_gets_its_own_answer(item, anonymous, allowed_department, settings):
    response = anonymous.post(
        reverse("submit"),
        {"department": allowed_department.pk, "photos": SimpleUploadedFile(item.name, item.read())},
        HTTP_ACCEPT="application/json",
    )
    result = response.json()["results"][0]
    if item.accepted:
        assert response.status_code == 200 and result["ok"] is True
    else:
        assert 400 <= response.status_code < 500
        assert result["ok"] is False and result["code"] == item.code and result["message"]
        assert Image.objects.count() == 0 and stored_files(settings) == []


def test_a_whole_hostile_batch_through_the_form_keeps_exactly_the_good_files(anonymous, allowed_department, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "anon_upload": "1000/hour"},
    }
    files = list(corpus())
    from faces.forms import MAX_FILES_PER_REQUEST

    for start in range(0, len(files), MAX_FILES_PER_REQUEST):
        chunk = files[start : start + MAX_FILES_PER_REQUEST]
        response = anonymous.post(
            reverse("submit"),
            {
                "department": allowed_department.pk,
                "photos": [SimpleUploadedFile(item.name, item.read()) for item in chunk],
            },
        )
        assert response.status_code == 200
        page = response.content.decode()
        for item in chunk:
            assert item.name in page, item.name
    accepted = {item.name for item in files if item.accepted}
    # De-duplication may fold identical accepted files into one photo, never more rows.
    assert 0 < Image.objects.count() <= len(accepted)
    assert len(stored_files(settings)) == Image.objects.count()
