"""An uploader who left an address gets one e-mail when an officer in their photo is
identified and one when it is taken down; never twice, never after deleting the address."""

from __future__ import annotations

import smtplib

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from faces.models import Decision, Image, UploadNotice
from faces.services.notifications import IDENTIFIED, notice_create, notice_send
from faces.services.review import face_identify, suggestion_confirm
from faces.services.takedown import image_takedown
from faces.tasks import send_upload_notice
from review import services as review_services
from tests import factories
from tests.conftest import FACES, client_for, photo
from tests.reliability.conftest import free_port
from tests.review.conftest import stored_image

ADDRESS = "uploader@example.org"


@pytest.fixture
def noticed(allowed_department):
    """A photo of two faces whose uploader left an address."""
    image = stored_image(allowed_department, "group_obama_biden.jpg", boxes=((10, 10, 60, 60), (100, 10, 60, 60)))
    notice = notice_create(image, ADDRESS)
    return image, notice


def _committed(capture, fn, *args, **kwargs):
    with capture(execute=True):
        return fn(*args, **kwargs)


def test_confirming_a_suggestion_sends_the_uploader_one_e_mail(
    noticed, officer, users, settings, django_capture_on_commit_callbacks
):
    image, notice = noticed
    suggestion = factories.suggestion(image.faces.first(), officer)
    _committed(django_capture_on_commit_callbacks, suggestion_confirm, suggestion, actor=users["volunteer"])
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == [ADDRESS] and sent.subject == "A police officer in your photo was identified"
    assert f"{settings.SITE_URL}/images/{image.pk}/" in sent.body
    assert f"{settings.SITE_URL}/notices/{notice.token}/delete/" in sent.body
    # Nobody else's data: not the officer (the photo page shows what is public), not who decided.
    assert officer.last_name not in sent.body and officer.badge_number not in sent.body
    assert users["volunteer"].email not in sent.body


def test_identifying_by_hand_sends_one_and_a_second_identification_none(
    noticed, officer, users, django_capture_on_commit_callbacks
):
    image, _ = noticed
    first, second = image.faces.all()
    _committed(django_capture_on_commit_callbacks, face_identify, first, officer=officer, actor=users["volunteer"])
    _committed(django_capture_on_commit_callbacks, face_identify, second, officer=officer, actor=users["volunteer"])
    assert len(mail.outbox) == 1


def test_undoing_and_identifying_again_sends_nothing_more(noticed, officer, users, django_capture_on_commit_callbacks):
    image, _ = noticed
    face = image.faces.first()
    _committed(django_capture_on_commit_callbacks, face_identify, face, officer=officer, actor=users["volunteer"])
    decision = Decision.objects.get(kind=Decision.Kind.IDENTIFY, face=face)
    _committed(django_capture_on_commit_callbacks, review_services.decision_undo, decision, actor=users["admin"])
    _committed(django_capture_on_commit_callbacks, face_identify, face, officer=officer, actor=users["volunteer"])
    assert len(mail.outbox) == 1


def test_marking_a_civilian_sends_nothing(noticed, users, django_capture_on_commit_callbacks):
    face = noticed[0].faces.first()
    _committed(
        django_capture_on_commit_callbacks, face_identify, face, officer=None, civilian=True, actor=users["volunteer"]
    )
    assert mail.outbox == []


def test_nothing_is_sent_before_the_decision_commits(noticed, officer, users, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        face_identify(noticed[0].faces.first(), officer=officer, actor=users["volunteer"])
    assert mail.outbox == [] and callbacks


def test_a_takedown_sends_one_e_mail_then_forgets_the_address(noticed, users, django_capture_on_commit_callbacks):
    image, _ = noticed
    _committed(django_capture_on_commit_callbacks, image_takedown, image, actor=users["coordinator"], reason="Secret")
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == [ADDRESS] and sent.subject == "Your photo was taken down"
    assert "Secret" not in sent.body and "deleted" in sent.body
    assert not UploadNotice.objects.exists()


def test_after_a_takedown_a_queued_identification_notice_is_not_sent(
    noticed, officer, users, django_capture_on_commit_callbacks
):
    image, notice = noticed
    with django_capture_on_commit_callbacks(execute=False):
        face_identify(image.faces.first(), officer=officer, actor=users["volunteer"])
    _committed(django_capture_on_commit_callbacks, image_takedown, image, actor=users["admin"], reason="Asked")
    assert notice_send(notice.pk, IDENTIFIED, image.pk) is False
    assert [m.subject for m in mail.outbox] == ["Your photo was taken down"]


def test_a_deleted_address_gets_nothing(noticed, officer, users, django_capture_on_commit_callbacks):
    image, notice = noticed
    url = reverse("notice_delete", args=[notice.token])
    page = Client().get(url)
    assert (
        page.status_code == 200 and UploadNotice.objects.filter(pk=notice.pk).exists()
    )  # a link scanner deletes nothing
    done = Client().post(url)
    assert done.status_code == 200 and "was deleted" in done.content.decode()
    assert not UploadNotice.objects.exists()
    _committed(django_capture_on_commit_callbacks, face_identify, image.faces.first(), officer=officer, actor=None)
    _committed(django_capture_on_commit_callbacks, image_takedown, image, actor=users["admin"], reason="Asked")
    assert mail.outbox == []
    assert Client().get(url).status_code == 404


@pytest.mark.parametrize("token", ["nope", "x" * 500, "t" * 43])
def test_an_unknown_token_deletes_nothing(token, noticed):
    assert Client().post(reverse("notice_delete", args=[token])).status_code == 404
    assert UploadNotice.objects.count() == 1


def test_the_console_backend_prints_the_e_mail(
    noticed, officer, users, settings, capsys, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    image, _ = noticed
    _committed(
        django_capture_on_commit_callbacks, face_identify, image.faces.first(), officer=officer, actor=users["admin"]
    )
    out = capsys.readouterr().out
    assert f"To: {ADDRESS}" in out and "Subject: A police officer in your photo was identified" in out
    assert f"/images/{image.pk}/" in out


def test_a_mail_server_that_refuses_raises_for_the_task_to_retry(noticed, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    image, notice = noticed
    with pytest.raises(OSError):
        notice_send(notice.pk, IDENTIFIED, image.pk)
    assert {smtplib.SMTPException, OSError} <= set(send_upload_notice.autoretry_for)
    assert send_upload_notice.max_retries and send_upload_notice.retry_backoff


# --- Leaving the address: the upload page and the API ----------------------------------------
def test_the_upload_page_keeps_the_address_for_the_new_photo(allowed_department):
    response = Client().post(
        reverse("submit"),
        {
            "department": allowed_department.pk,
            "photos": SimpleUploadedFile("a.jpg", photo("obama_1.jpg")),
            "notify_email": ADDRESS,
        },
    )
    assert response.status_code == 200
    assert UploadNotice.objects.get().image == Image.objects.get() and UploadNotice.objects.get().email == ADDRESS


def test_the_api_keeps_the_address_for_the_new_photo(allowed_department):
    with open(FACES / "biden_1.jpg", "rb") as handle:
        response = Client().post(
            "/api/v1/images/", {"file": handle, "department": allowed_department.pk, "notify_email": ADDRESS}
        )
    assert response.status_code == 201
    assert UploadNotice.objects.get().image_id == response.json()["id"]


def test_no_address_keeps_nothing(allowed_department):
    with open(FACES / "biden_1.jpg", "rb") as handle:
        response = Client().post("/api/v1/images/", {"file": handle, "department": allowed_department.pk})
    assert response.status_code == 201 and not UploadNotice.objects.exists()


HOSTILE = {
    "too_long": "a" * 250 + "@example.org",
    "header_injection": "a@b.c\nBcc: x@evil.example",
    "carriage_return": "a@b.c\r\nBcc: x@evil.example",
    "nul": "a@b.c\x00",
    "two_addresses": "a@b.c, d@e.f",
    "not_an_address": "hello",
}


@pytest.mark.parametrize("value", HOSTILE.values(), ids=HOSTILE.keys())
def test_the_upload_page_refuses_a_hostile_address_and_stores_nothing(value, allowed_department):
    response = Client().post(
        reverse("submit"),
        {
            "department": allowed_department.pk,
            "photos": SimpleUploadedFile("a.jpg", photo("obama_1.jpg")),
            "notify_email": value,
        },
    )
    # NUL is refused by the site's middleware before the form (400 too).
    assert response.status_code == 400
    if "\x00" not in value:
        assert "e-mail address" in response.content.decode()
    assert not Image.objects.exists() and not UploadNotice.objects.exists()


@pytest.mark.parametrize("value", HOSTILE.values(), ids=HOSTILE.keys())
def test_the_api_refuses_a_hostile_address_and_stores_nothing(value, allowed_department):
    with open(FACES / "biden_1.jpg", "rb") as handle:
        response = Client().post(
            "/api/v1/images/", {"file": handle, "department": allowed_department.pk, "notify_email": value}
        )
    assert response.status_code == 400
    if "\x00" not in value:
        assert "notify_email" in response.json()["errors"]
    assert not Image.objects.exists() and not UploadNotice.objects.exists()


@pytest.mark.parametrize("value", HOSTILE.values(), ids=HOSTILE.keys())
def test_the_service_itself_refuses_a_hostile_address(value, allowed_department):
    from faces.services.notifications import InvalidEmail
    from faces.services.uploads import image_create

    with pytest.raises(InvalidEmail):
        image_create(
            upload=SimpleUploadedFile("a.jpg", photo("obama_1.jpg")), department=allowed_department, notify_email=value
        )
    assert not Image.objects.exists() and not UploadNotice.objects.exists()


def test_the_photo_page_and_the_deletion_page_by_role(users, noticed):
    """The deletion link works for whoever holds it, signed in or not; it shows no address."""
    _, notice = noticed
    for role in ("anonymous", "member", "volunteer", "coordinator", "other_coordinator", "admin"):
        page = client_for(users[role]).get(reverse("notice_delete", args=[notice.token]))
        assert page.status_code == 200 and ADDRESS not in page.content.decode()
