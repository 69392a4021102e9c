"""The S3 endpoint down (moto's server mode on localhost as the S3-compatible store):
uploads fail with a clear message, leave no row and no object, and work again once it is back."""

from __future__ import annotations

import contextlib
import time
import uuid

import boto3
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from faces.models import Image
from faces.services.uploads import StorageUnavailable, image_create
from tests.conftest import FACES, photo
from tests.reliability.conftest import free_port
from tests.reliability.photos import photo_variants

moto_server = pytest.importorskip("moto.server")
pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("reliability")]
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "region_name": "us-east-1"}


class S3Endpoint:
    def __init__(self) -> None:
        self.bucket = f"oversight-{uuid.uuid4().hex[:12]}"  # moto's state outlives a server
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = None

    def start(self) -> None:
        # moto keeps its state in this process, so a restarted server still has the bucket.
        self.server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self.server.start()

    def stop(self) -> None:
        self.server.stop()

    def keys(self) -> list[str]:
        client = boto3.client("s3", endpoint_url=self.url, **CREDENTIALS)
        return [o["Key"] for o in client.list_objects_v2(Bucket=self.bucket).get("Contents", [])]


@pytest.fixture
def s3(settings):
    endpoint = S3Endpoint()
    endpoint.start()
    boto3.client("s3", endpoint_url=endpoint.url, **CREDENTIALS).create_bucket(Bucket=endpoint.bucket)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": endpoint.bucket,
                "endpoint_url": endpoint.url,
                "region_name": "us-east-1",
                "access_key": "testing",
                "secret_key": "testing",
                "default_acl": None,
                "querystring_auth": True,
                "file_overwrite": False,
            },
        },
    }
    yield endpoint
    with contextlib.suppress(Exception):
        endpoint.stop()


def test_an_upload_is_stored_in_the_s3_compatible_store(s3, allowed_department):
    image = image_create(upload=SimpleUploadedFile("a.jpg", photo("obama_1.jpg")), department=allowed_department).image
    assert s3.keys() == [image.file.name]
    assert image.file.read()[:2] == b"\xff\xd8"


def test_with_the_store_down_an_upload_fails_clearly_and_leaves_nothing_then_works_again(s3, allowed_department):
    (first, first_data), (second, second_data), (third, third_data) = photo_variants(3)
    image_create(upload=SimpleUploadedFile(first, first_data), department=allowed_department)
    s3.stop()

    started = time.monotonic()
    with pytest.raises(StorageUnavailable) as caught:
        image_create(upload=SimpleUploadedFile(second, second_data), department=allowed_department)
    assert time.monotonic() - started < 30
    assert str(caught.value) == "The photo store is unavailable right now; please try again later."
    with open(FACES / "biden_1.jpg", "rb") as handle:
        response = Client().post("/api/v1/images/", {"file": handle, "department": allowed_department.pk})
    assert response.status_code == 503
    assert "unavailable" in response.json()["detail"] and response.headers["Retry-After"]
    assert Image.objects.count() == 1

    s3.start()
    assert len(s3.keys()) == 1  # nothing half-written while it was down
    image = image_create(upload=SimpleUploadedFile(third, third_data), department=allowed_department).image
    stored = s3.keys()
    assert Image.objects.count() == 2 and image.file.name in stored and len(stored) == 2
