"""Queues: two volunteers never get the same item; skips are remembered; claims expire."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from faces.models import Decision, Image
from review import services
from review.models import Claim, QueueKind, Skip
from tests.conftest import client_for, make_user
from tests.review.conftest import stored_image


def _claim_in_threads(callables) -> list:
    """Run the callables at the same instant, each in its own thread and database connection."""
    barrier = threading.Barrier(len(callables))
    results: list = [None] * len(callables)
    errors: list = []

    def run(i, fn):
        try:
            barrier.wait(timeout=10)
            results[i] = fn()
        except Exception as exc:  # surfaced below, with the thread's traceback in the message
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(callables)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    return results


@pytest.mark.django_db(transaction=True)
def test_two_clients_claiming_at_once_never_get_the_same_photo(users, allowed_department):
    clients = [client_for(users["volunteer"]), client_for(users["coordinator"])]
    url = reverse("review_sort_next", args=[allowed_department.slug])
    for _ in range(5):
        for _ in range(2):
            stored_image(allowed_department)
        responses = _claim_in_threads([lambda c=c: c.get(url) for c in clients])
        locations = [r["Location"] for r in responses]
        assert all(r.status_code == 302 and "/review/sort/" in loc for r, loc in zip(responses, locations, strict=True))
        assert locations[0] != locations[1]
        # Both decide, so the next round starts from an empty queue.
        for client, location in zip(clients, locations, strict=True):
            assert client.post(location, {"answer": "no"}).status_code == 302
    assert Image.objects.filter(contains_officers__isnull=True).count() == 0


@pytest.mark.django_db(transaction=True)
def test_many_concurrent_claimers_each_get_a_different_face(allowed_department):
    volunteers = [make_user(f"v{i}", role="volunteer") for i in range(6)]
    for _ in range(4):
        stored_image(allowed_department, contains_officers=True)
    results = _claim_in_threads(
        [
            lambda v=v: services.claim_next(user=v, department=allowed_department, kind=QueueKind.IDENTIFY)
            for v in volunteers
        ]
    )
    claimed = [r for r in results if r is not None]
    assert len(claimed) == 4 and len(set(claimed)) == 4  # four faces, four volunteers; two got nothing
    assert Claim.objects.count() == 4


@pytest.mark.django_db(transaction=True)
def test_a_claimer_passes_over_a_row_another_transaction_has_locked_instead_of_waiting(users, allowed_department):
    first, second = stored_image(allowed_department), stored_image(allowed_department)
    locked, release = threading.Event(), threading.Event()

    def hold_lock():
        with transaction.atomic():
            list(Image.objects.select_for_update().filter(pk=first.pk))
            locked.set()
            release.wait(timeout=20)
        connection.close()

    holder = threading.Thread(target=hold_lock)
    holder.start()
    try:
        assert locked.wait(timeout=10)
        got = services.claim_next(user=users["volunteer"], department=allowed_department, kind=QueueKind.SORT)
        assert got == second.pk
    finally:
        release.set()
        holder.join(timeout=20)


def test_a_skipped_photo_does_not_come_back_at_once_but_comes_back_later(users, allowed_department):
    first, second = stored_image(allowed_department), stored_image(allowed_department)
    client = client_for(users["volunteer"])
    next_url = reverse("review_sort_next", args=[allowed_department.slug])
    assert client.get(next_url)["Location"] == reverse("review_sort", args=[first.pk])
    response = client.post(reverse("review_sort", args=[first.pk]), {"answer": "skip"})
    assert response["Location"] == next_url
    assert client.get(next_url)["Location"] == reverse("review_sort", args=[second.pk])
    client.post(reverse("review_sort", args=[second.pk]), {"answer": "skip"})
    assert client.get(next_url).status_code == 200  # "nothing left": both skipped
    assert Decision.objects.filter(kind=Decision.Kind.SKIP, actor=users["volunteer"]).count() == 2
    # Someone else is still offered the skipped photos, and the skip does not sort them.
    assert client_for(users["admin"]).get(next_url)["Location"] == reverse("review_sort", args=[first.pk])
    assert Image.objects.get(pk=first.pk).contains_officers is None
    # Once the skip memory has passed, the photo comes back to the volunteer.
    Skip.objects.update(until=timezone.now() - timedelta(seconds=1))
    Claim.objects.filter(user=users["admin"]).delete()
    assert client.get(next_url)["Location"] == reverse("review_sort", args=[first.pk])


def test_a_skipped_face_is_remembered_per_volunteer(users, allowed_department):
    face = stored_image(allowed_department, contains_officers=True).faces.get()
    client = client_for(users["volunteer"])
    client.post(reverse("review_identify", args=[face.pk]), {"action": "skip"})
    assert Skip.objects.filter(user=users["volunteer"], kind=QueueKind.IDENTIFY, item_id=face.pk).exists()
    assert services.claim_next(user=users["volunteer"], department=allowed_department, kind="identify") is None
    assert services.claim_next(user=users["coordinator"], department=allowed_department, kind="identify") == face.pk


def test_a_claim_expires_so_an_abandoned_item_is_offered_again(users, allowed_department):
    image = stored_image(allowed_department)
    assert services.claim_next(user=users["volunteer"], department=allowed_department, kind="sort") == image.pk
    assert services.claim_next(user=users["admin"], department=allowed_department, kind="sort") is None
    Claim.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert services.claim_next(user=users["admin"], department=allowed_department, kind="sort") == image.pk


def test_a_volunteer_gets_back_the_item_they_already_hold(users, allowed_department):
    first, _ = stored_image(allowed_department), stored_image(allowed_department)
    for _ in range(3):
        assert services.claim_next(user=users["volunteer"], department=allowed_department, kind="sort") == first.pk
    assert Claim.objects.filter(user=users["volunteer"]).count() == 1


def test_it_refuses_a_decision_on_a_photo_another_volunteer_holds(users, allowed_department):
    image = stored_image(allowed_department)
    services.claim_next(user=users["coordinator"], department=allowed_department, kind="sort")
    client = client_for(users["volunteer"])
    # Opening it by address sends the volunteer elsewhere; posting changes nothing.
    response = client.get(reverse("review_sort", args=[image.pk]))
    assert response.status_code == 302 and response["Location"].endswith("/sort/")
    client.post(reverse("review_sort", args=[image.pk]), {"answer": "yes"})
    assert Image.objects.get(pk=image.pk).contains_officers is None
    assert not Decision.objects.filter(kind=Decision.Kind.SORT).exists()


def test_sorting_records_the_decision_and_releases_the_claim(users, allowed_department):
    image = stored_image(allowed_department)
    client = client_for(users["volunteer"])
    client.get(reverse("review_sort_next", args=[allowed_department.slug]))
    assert Claim.objects.filter(item_id=image.pk).exists()
    client.post(reverse("review_sort", args=[image.pk]), {"answer": "yes"})
    decision = Decision.objects.get(kind=Decision.Kind.SORT)
    assert decision.actor == users["volunteer"] and decision.after == {"contains_officers": True}
    assert Image.objects.get(pk=image.pk).contains_officers is True
    assert not Claim.objects.exists()


def test_photos_sorted_as_officer_free_leave_the_identify_queue(users, allowed_department):
    image = stored_image(allowed_department, boxes=[(10, 10, 60, 60), (100, 100, 60, 60)])
    assert services.claim_next(user=users["volunteer"], department=allowed_department, kind="identify") is not None
    client_for(users["admin"]).post(reverse("review_sort", args=[image.pk]), {"answer": "no"})
    assert services.claim_next(user=users["admin"], department=allowed_department, kind="identify") is None


def test_a_stale_sort_page_cannot_overwrite_an_answer(users, allowed_department):
    image = stored_image(allowed_department)
    client_for(users["volunteer"]).post(reverse("review_sort", args=[image.pk]), {"answer": "yes"})
    response = client_for(users["admin"]).post(reverse("review_sort", args=[image.pk]), {"answer": "no"}, follow=True)
    assert "sorted by someone else already" in response.content.decode()
    assert Image.objects.get(pk=image.pk).contains_officers is True
    assert Decision.objects.filter(kind=Decision.Kind.SORT).count() == 1
