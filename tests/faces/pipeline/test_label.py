"""Labelers: offline OpenCV people finder on real photos, Rekognition through botocore's Stubber."""

from __future__ import annotations

import io
import json

import boto3
import numpy as np
import pytest
from botocore.config import Config
from botocore.stub import ANY, Stubber
from PIL import Image

from faces.pipeline import label
from faces.pipeline.label import (
    LabelerError,
    OpenCVPeopleLabeler,
    RekognitionLabeler,
    TransientLabelerError,
    get_labeler,
)
from tests.faces.pipeline.helpers import photo, rgb

RESULT_KEYS = {"backend", "people", "people_count", "face_count", "likely_officers"}


class DummyLabeler:
    def label(self, rgb, *, jpeg_bytes=None, face_count=0):
        return {"backend": "dummy"}


def assert_boxes_inside(people: list[dict], pixels: np.ndarray) -> None:
    height, width = pixels.shape[:2]
    for person in people:
        box = person["box"]
        assert box["w"] > 0 and box["h"] > 0 and box["x"] >= 0 and box["y"] >= 0
        assert box["x"] + box["w"] <= width and box["y"] + box["h"] <= height


def test_opencv_finds_a_plausible_number_of_people_in_a_group_photo():
    pixels = rgb("group_voc_2008_002470.jpg")  # six people, standing and seated
    result = OpenCVPeopleLabeler().label(pixels, face_count=6)
    assert set(result) == RESULT_KEYS
    assert result["backend"] == "opencv-hog" and result["face_count"] == 6
    assert 1 <= result["people_count"] <= 6 and result["people_count"] == len(result["people"])
    assert result["likely_officers"] is None  # this backend cannot tell a uniform
    assert_boxes_inside(result["people"], pixels)
    json.dumps(result)  # stored in a JSONField


def test_opencv_maps_people_boxes_back_to_original_pixels():
    pixels = rgb("group_collage_bald_guys.jpg")  # 1986 px wide, detected at 800
    result = OpenCVPeopleLabeler().label(pixels)
    assert result["people_count"] >= 1
    assert max(p["box"]["x"] + p["box"]["w"] for p in result["people"]) > 800
    assert_boxes_inside(result["people"], pixels)


@pytest.mark.parametrize("name,at_most", [("noface_dogs.jpg", 0), ("noface_cars.jpg", 1)])
def test_opencv_finds_few_or_no_people_where_there_are_none_in_front(name, at_most):
    # The cars photo has distant pedestrians and taxis the pedestrian detector can mistake.
    assert OpenCVPeopleLabeler().label(rgb(name))["people_count"] <= at_most


def rekognition_client():
    return boto3.client("rekognition", region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")


def person_label(*boxes: tuple[float, float, float, float]) -> dict:
    return {
        "Name": "Person",
        "Confidence": 99.4,
        "Instances": [
            {"BoundingBox": {"Width": w, "Height": h, "Left": left, "Top": top}, "Confidence": 98.7}
            for left, top, w, h in boxes
        ],
        "Parents": [],
        "Aliases": [{"Name": "Human"}],
        "Categories": [{"Name": "Person Description"}],
    }


def plain_label(name: str, confidence: float, parents=(), aliases=(), categories=()) -> dict:
    return {
        "Name": name,
        "Confidence": confidence,
        "Instances": [],
        "Parents": [{"Name": p} for p in parents],
        "Aliases": [{"Name": a} for a in aliases],
        "Categories": [{"Name": c} for c in categories],
    }


POLICE_RESPONSE = {
    "Labels": [
        person_label((0.1, 0.2, 0.25, 0.7), (0.6, 0.1, 0.3, 0.85)),
        plain_label("Police Officer", 91.2, parents=["Person"], categories=["Professions"]),
        plain_label("Man", 97.0, parents=["Adult", "Male", "Person"], categories=["Person Description"]),
        plain_label("Smile", 88.0, parents=["Face", "Head", "Person"], categories=["Expressions and Emotions"]),
        plain_label("Happy", 80.0, categories=["Expressions and Emotions"]),
        plain_label("Helmet", 85.5, parents=["Clothing"], categories=["Apparel and Accessories"]),
    ],
    "LabelModelVersion": "3.0",
}


def test_rekognition_maps_officer_labels_and_person_boxes_and_drops_demographics():
    client = rekognition_client()
    pixels = rgb("group_obama_biden.jpg")  # 1126 x 661
    jpeg = photo("group_obama_biden.jpg")
    with Stubber(client) as stub:
        stub.add_response(
            "detect_labels", POLICE_RESPONSE, {"Image": {"Bytes": jpeg}, "MaxLabels": 50, "MinConfidence": 70}
        )
        result = RekognitionLabeler(client=client).label(pixels, jpeg_bytes=jpeg, face_count=2)
        stub.assert_no_pending_responses()
    assert result["backend"] == "rekognition" and result["model_version"] == "3.0"
    assert result["likely_officers"] is True
    assert [label["name"] for label in result["labels"]] == ["Person", "Police Officer", "Helmet"]
    assert result["people_count"] == 2 and result["face_count"] == 2
    assert result["people"][0] == {"box": {"x": 113, "y": 132, "w": 282, "h": 463}, "score": 98.7}
    assert_boxes_inside(result["people"], pixels)
    assert "Man" not in json.dumps(result) and "Happy" not in json.dumps(result)


def test_rekognition_does_not_call_a_sports_uniform_an_officer():
    client = rekognition_client()
    response = {"Labels": [person_label((0.0, 0.0, 0.5, 1.0)), plain_label("Uniform", 90.0), plain_label("Team", 80.0)]}
    with Stubber(client) as stub:
        stub.add_response("detect_labels", response, {"Image": {"Bytes": ANY}, "MaxLabels": 50, "MinConfidence": 70})
        result = RekognitionLabeler(client=client).label(rgb("obama_lowres_240p.jpg"), jpeg_bytes=b"\xff\xd8jpeg")
    assert result["likely_officers"] is False and result["people_count"] == 1


def test_rekognition_encodes_a_jpeg_itself_when_none_is_given():
    client = rekognition_client()
    sent = []
    client.meta.events.register(
        "before-parameter-build.rekognition.DetectLabels", lambda params, **kw: sent.append(params)
    )
    with Stubber(client) as stub:
        stub.add_response(
            "detect_labels", {"Labels": []}, {"Image": {"Bytes": ANY}, "MaxLabels": 50, "MinConfidence": 70}
        )
        result = RekognitionLabeler(client=client).label(rgb("obama_lowres_240p.jpg"))
    assert result["people_count"] == 0 and result["likely_officers"] is False
    with Image.open(io.BytesIO(sent[0]["Image"]["Bytes"])) as im:
        assert im.format == "JPEG" and im.size == (427, 240)


@pytest.mark.parametrize(
    "code", ["ThrottlingException", "ProvisionedThroughputExceededException", "InternalServerError"]
)
def test_a_throttled_or_failing_service_is_a_transient_error_to_retry(code):
    client = rekognition_client()
    with Stubber(client) as stub:
        stub.add_client_error("detect_labels", service_error_code=code, http_status_code=500)
        with pytest.raises(TransientLabelerError) as caught:
            RekognitionLabeler(client=client).label(rgb("obama_lowres_240p.jpg"), jpeg_bytes=b"\xff\xd8jpeg")
    assert caught.value.transient is True and code in str(caught.value)


@pytest.mark.parametrize("code", ["InvalidImageFormatException", "ImageTooLargeException", "AccessDeniedException"])
def test_a_refused_image_or_account_problem_is_a_permanent_error(code):
    client = rekognition_client()
    with Stubber(client) as stub:
        stub.add_client_error("detect_labels", service_error_code=code, http_status_code=400)
        with pytest.raises(LabelerError) as caught:
            RekognitionLabeler(client=client).label(rgb("obama_lowres_240p.jpg"), jpeg_bytes=b"\xff\xd8jpeg")
    assert caught.value.transient is False and not isinstance(caught.value, TransientLabelerError)


def test_an_unreachable_endpoint_is_a_transient_error():
    client = boto3.client(
        "rekognition",
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        endpoint_url="http://127.0.0.1:9",  # the discard port: connection refused at once
        config=Config(retries={"max_attempts": 1}, connect_timeout=1, read_timeout=1),
    )
    with pytest.raises(TransientLabelerError):
        RekognitionLabeler(client=client).label(rgb("obama_lowres_240p.jpg"), jpeg_bytes=b"\xff\xd8jpeg")


def test_get_labeler_defaults_to_the_offline_backend_and_builds_it_once(settings):
    settings.FACES_LABELER = "faces.pipeline.label.OpenCVPeopleLabeler"
    assert isinstance(get_labeler(), OpenCVPeopleLabeler)
    assert get_labeler() is get_labeler()


def test_get_labeler_follows_the_setting_or_an_explicit_path(settings):
    settings.FACES_LABELER = "tests.faces.pipeline.test_label.DummyLabeler"
    assert isinstance(get_labeler(), DummyLabeler)
    assert isinstance(get_labeler("faces.pipeline.label.OpenCVPeopleLabeler"), OpenCVPeopleLabeler)
    assert label.DEFAULT_LABELER == "faces.pipeline.label.OpenCVPeopleLabeler"
