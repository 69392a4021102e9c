"""The one domain error, mapped once for the pages (oversight.middleware) and once for the API.

A refusal is provoked through a real form (sorting a photo someone already sorted, a 409)
and through the API; the middleware's own branches are also checked on a bare request.
"""

from __future__ import annotations

import json

import pytest
from django.contrib.messages import get_messages
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from faces.services.review import IMAGE_SORTED, image_sort
from faces.services.uploads import StorageUnavailable
from oversight.exceptions import Conflict, DomainError, NotPermitted, Unavailable
from oversight.middleware import DomainErrorMiddleware
from tests import factories
from tests.api.conftest import API, token_client
from tests.conftest import client_for


@pytest.fixture
def sorted_image(users, allowed_department):
    image = factories.image(allowed_department)
    image_sort(image, contains_officers=False, actor=users["volunteer"])
    return image


def _sort_again(user, image, **headers):
    return client_for(user).post(reverse("review_sort", args=[image.pk]), {"answer": "yes"}, **headers)


def test_a_refused_form_post_goes_back_to_the_page_it_came_from_with_the_message(users, sorted_image):
    page = f"http://testserver{reverse('review_sort', args=[sorted_image.pk])}"
    response = _sort_again(users["admin"], sorted_image, HTTP_REFERER=page)
    assert response.status_code == 302 and response["Location"] == page
    assert [str(m) for m in get_messages(response.wsgi_request)] == [IMAGE_SORTED]


@pytest.mark.parametrize(
    "referer",
    # A Referer with a NUL byte never reaches the view: tests/security/test_nul_bytes.py.
    ["", "https://evil.example/review/", "//evil.example/review/", "javascript:alert(1)"],
)
def test_without_a_referer_on_this_site_the_refusal_is_a_page_with_its_status(users, sorted_image, referer):
    headers = {"HTTP_REFERER": referer} if referer else {}
    response = _sort_again(users["admin"], sorted_image, **headers)
    assert response.status_code == 409
    page = response.content.decode()
    assert "This photo was sorted by someone else already" in page
    assert 'class="site-footer"' in page or "<main" in page  # rendered inside base.html
    assert "evil.example" not in page and "javascript:" not in page


def test_a_script_gets_the_refusal_as_json(users, sorted_image):
    response = _sort_again(users["admin"], sorted_image, HTTP_ACCEPT="application/json")
    assert response.status_code == 409
    assert response.json() == {"error": IMAGE_SORTED, "code": "already_decided"}


def test_the_api_maps_the_same_error_to_its_error_body(users, sorted_image):
    response = token_client(users["admin"]).post(
        f"{API}images/{sorted_image.pk}/sort/", {"contains_officers": True}, format="json"
    )
    assert response.status_code == 409
    assert response.json() == {"detail": IMAGE_SORTED, "errors": {}, "code": "already_decided"}


@pytest.mark.parametrize(
    "error, status, code",
    [
        (DomainError("No."), 400, "refused"),
        (Conflict("Taken."), 409, "conflict"),
        (NotPermitted("Not yours."), 403, "forbidden"),
        (Unavailable("Down."), 503, "unavailable"),
        (StorageUnavailable(), 503, "storage_unavailable"),
    ],
)
def test_the_middleware_answers_each_domain_error_with_its_status(db, error, status, code):
    middleware = DomainErrorMiddleware(lambda request: HttpResponse())
    request = RequestFactory().get("/anything/", HTTP_ACCEPT="application/json")
    response = middleware.process_exception(request, error)
    assert response is not None and response.status_code == status
    assert json.loads(response.content)["code"] == code
    if isinstance(error, StorageUnavailable):
        assert response["Retry-After"] == "60"


def test_the_middleware_leaves_other_exceptions_alone(db):
    middleware = DomainErrorMiddleware(lambda request: HttpResponse())
    assert middleware.process_exception(RequestFactory().get("/"), ValueError("a bug")) is None
