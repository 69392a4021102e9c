"""The video sequences queue: who may open it, deciding for a sequence (each still its own decision),
splitting a sequence that joined two people, claims, and hostile input."""

from __future__ import annotations

import pytest
from django.urls import reverse

from faces.models import Decision, Face, MatchSuggestion
from review import services
from review.models import QueueKind, SequenceSplit
from tests import factories
from tests.conftest import client_for
from tests.videos import sequences as make
from videos.models import FaceSequence, SequenceFace

ROLES = ["anonymous", "member", "volunteer", "coordinator", "other_coordinator", "admin", "disabled"]


@pytest.fixture
def seq(users, allowed_department):
    return make.sequence(allowed_department, ("obama_1.jpg", "obama_2.jpg", "biden_1.jpg"), times=(1.0, 2.0, 5.0))


def shown(sequence: FaceSequence) -> list[int]:
    return list(SequenceFace.objects.filter(sequence=sequence).values_list("pk", flat=True))


def post(client, sequence: FaceSequence, *, decision: str, stills=None, use: bool = True, **extra):
    data = {"decision": decision, "shown": shown(sequence) if stills is None else stills, **extra}
    if use:
        data["use_for_recognition"] = "on"
    return client.post(reverse("review_sequence", args=[sequence.pk]), data)


def split(client, sequence: FaceSequence, still, *, stills=None):
    data = {"still": still, "shown": shown(sequence) if stills is None else stills}
    return client.post(reverse("review_sequence_split", args=[sequence.pk]), data)


def unchanged(sequence: FaceSequence) -> None:
    assert not Decision.objects.exists()
    faces = Face.objects.filter(video_still__sequence=sequence)
    assert all(f.officer_id is None and not f.is_civilian for f in faces)
    assert FaceSequence.objects.get(pk=sequence.pk).status == FaceSequence.Status.OPEN


# --- Access: every role ------------------------------------------------------------------
# Expected outcome per role, in ROLES order ("login": off to log in; 302: on to the next item).
EXPECTED = {
    "show": ["login", 403, 200, 200, 200, 200, "login"],
    "next": ["login", 403, 302, 302, 302, 302, "login"],
    "decide": ["login", 403, 302, 302, 302, 302, "login"],
    "split": ["login", 403, 302, 302, 302, 302, "login"],
}


@pytest.mark.parametrize(
    ("role", "page", "expected"),
    [(role, page, outcome) for page, row in EXPECTED.items() for role, outcome in zip(ROLES, row, strict=True)],
)
def test_each_role_gets_the_sequences_queue_only_as_a_volunteer(users, seq, allowed_department, role, page, expected):
    client = client_for(users[role])
    if page == "show":
        response = client.get(reverse("review_sequence", args=[seq.pk]))
    elif page == "next":
        response = client.get(reverse("review_sequence_next", args=[allowed_department.slug]))
    elif page == "decide":
        response = post(client, seq, decision="civilian")
    else:
        response = split(client, seq, shown(seq)[-1])
    if expected == "login":
        assert response.status_code == 302 and "/login" in response["Location"]
    else:
        assert response.status_code == expected
    if expected in ("login", 403):
        unchanged(seq)
        assert FaceSequence.objects.count() == 1


# --- The dashboard and the queue ------------------------------------------------------------
def test_the_dashboard_links_each_departments_sequences_queue(users, seq, allowed_department):
    page = client_for(users["volunteer"]).get(reverse("review_dashboard")).content.decode()
    assert reverse("review_sequence_next", args=[allowed_department.slug]) in page
    assert "Sequences (1)" in page


def test_the_queue_leads_to_the_sequence_and_then_to_an_empty_queue(users, seq, allowed_department):
    client = client_for(users["volunteer"])
    response = client.get(reverse("review_sequence_next", args=[allowed_department.slug]))
    assert response["Location"] == reverse("review_sequence", args=[seq.pk])
    page = client.get(response["Location"]).content.decode()
    for face in make.still_faces(seq):
        assert reverse("review_face_crop", args=[face.pk]) in page
    assert f"/videos/{seq.video_id}/" in page
    assert "0:01" in page and "0:05" in page
    post(client, seq, decision="civilian")
    empty = client.get(reverse("review_sequence_next", args=[allowed_department.slug]))
    assert empty.status_code == 200 and b"nothing left" in empty.content


def test_a_decided_sequence_is_not_shown_again(users, seq, officer, allowed_department):
    client = client_for(users["volunteer"])
    post(client, seq, decision=f"officer:{officer.pk}")
    response = client.get(reverse("review_sequence", args=[seq.pk]))
    assert response["Location"] == reverse("review_sequence_next", args=[allowed_department.slug])


def test_the_officer_search_offers_officers_of_the_videos_department(users, seq, officer):
    page = client_for(users["volunteer"]).get(reverse("review_sequence", args=[seq.pk]), {"q": "Avery"})
    assert f'value="officer:{officer.pk}"' in page.content.decode()


def test_in_illinois_the_page_says_recognition_is_not_used_and_a_person_identifies(users, illinois_department):
    seq = make.sequence(illinois_department)
    officer = factories.officer(illinois_department, last_name="Reyes")
    client = client_for(users["volunteer"])
    page = client.get(reverse("review_sequence", args=[seq.pk]), {"q": "Reyes"}).content.decode()
    assert "Facial recognition is not used for this jurisdiction" in page
    assert post(client, seq, decision=f"officer:{officer.pk}").status_code == 302
    assert all(f.officer_id == officer.pk and f.embedding is None for f in make.still_faces(seq))


# --- Deciding ------------------------------------------------------------------------------
def test_confirming_the_suggested_officer_identifies_every_still(users, seq, officer):
    best = make.still_faces(seq)[1]
    suggestion = factories.suggestion(best, officer)
    client = client_for(users["volunteer"])
    page = client.get(reverse("review_sequence", args=[seq.pk])).content.decode()
    assert f'value="confirm:{suggestion.pk}"' in page and officer.full_name in page
    assert post(client, seq, decision=f"confirm:{suggestion.pk}").status_code == 302
    faces = make.still_faces(seq)
    assert [f.officer_id for f in faces] == [officer.pk] * 3
    kinds = dict(Decision.objects.values_list("face_id", "kind"))
    assert kinds == {f.pk: (Decision.Kind.CONFIRM if f.pk == best.pk else Decision.Kind.IDENTIFY) for f in faces}
    assert MatchSuggestion.objects.get(pk=suggestion.pk).status == MatchSuggestion.Status.CONFIRMED
    assert FaceSequence.objects.get(pk=seq.pk).officer_id == officer.pk


def test_picking_an_officer_identifies_every_still_with_its_own_decision(users, seq, officer):
    post(client_for(users["volunteer"]), seq, decision=f"officer:{officer.pk}", use=False)
    decisions = list(Decision.objects.order_by("face_id"))
    assert [(d.kind, d.officer_id, d.actor) for d in decisions] == [
        (Decision.Kind.IDENTIFY, officer.pk, users["volunteer"])
    ] * 3
    assert not any(f.use_for_recognition for f in make.still_faces(seq))


def test_not_an_officer_marks_every_still_civilian(users, seq):
    post(client_for(users["volunteer"]), seq, decision="civilian")
    assert [d.kind for d in Decision.objects.all()] == [Decision.Kind.CIVILIAN] * 3
    assert FaceSequence.objects.get(pk=seq.pk).status == FaceSequence.Status.CIVILIAN


def test_skipping_changes_nothing_and_the_sequence_waits(users, seq, allowed_department):
    client = client_for(users["volunteer"])
    assert post(client, seq, decision="skip").status_code == 302
    unchanged(seq)
    empty = client.get(reverse("review_sequence_next", args=[allowed_department.slug]))
    assert empty.status_code == 200 and b"nothing left" in empty.content
    other = client_for(users["coordinator"]).get(reverse("review_sequence_next", args=[allowed_department.slug]))
    assert other["Location"] == reverse("review_sequence", args=[seq.pk])


def test_a_double_submit_decides_once(users, seq, officer):
    client = client_for(users["volunteer"])
    assert post(client, seq, decision=f"officer:{officer.pk}").status_code == 302
    assert post(client, seq, decision=f"officer:{officer.pk}").status_code == 409
    assert Decision.objects.count() == 3


# --- Split ---------------------------------------------------------------------------------
def test_splitting_moves_the_ticked_stills_to_a_new_sequence_and_records_who(users, seq, allowed_department):
    client = client_for(users["volunteer"])
    biden = SequenceFace.objects.get(sequence=seq, time=5.0)
    response = split(client, seq, biden.pk)
    assert response["Location"] == reverse("review_sequence", args=[seq.pk])
    created = FaceSequence.objects.get(split_from=seq)
    assert list(created.stills.values_list("pk", flat=True)) == [biden.pk]
    record = SequenceSplit.objects.get()
    assert (record.original, record.created, record.actor, record.faces) == (
        seq,
        created,
        users["volunteer"],
        [biden.face_id],
    )
    assert record.department == allowed_department
    assert not Decision.objects.exists()
    # The volunteer carries on with the original; the new one waits for someone else.
    assert client.get(response["Location"]).status_code == 200
    other = client_for(users["coordinator"]).get(reverse("review_sequence_next", args=[allowed_department.slug]))
    assert other["Location"] == reverse("review_sequence", args=[created.pk])


def test_a_decided_sequence_offers_no_split(users, seq, officer):
    client = client_for(users["volunteer"])
    post(client, seq, decision=f"officer:{officer.pk}")
    assert split(client, seq, shown(seq)[0]).status_code == 409
    assert FaceSequence.objects.count() == 1


# --- Hostile input -------------------------------------------------------------------------
def test_an_officer_of_another_department_is_refused(users, seq, other_department):
    stranger = factories.officer(other_department)
    response = post(client_for(users["volunteer"]), seq, decision=f"officer:{stranger.pk}")
    assert response.status_code == 400
    unchanged(seq)


def test_a_suggestion_of_another_sequence_is_refused(users, seq, officer, allowed_department):
    other = make.sequence(allowed_department, ("biden_2.jpg",))
    suggestion = factories.suggestion(make.still_faces(other)[0], officer)
    assert post(client_for(users["volunteer"]), seq, decision=f"confirm:{suggestion.pk}").status_code == 409
    unchanged(seq)
    assert MatchSuggestion.objects.get(pk=suggestion.pk).status == MatchSuggestion.Status.PENDING


def test_stills_of_another_sequence_as_shown_are_refused(users, seq, officer, allowed_department):
    other = make.sequence(allowed_department, ("biden_2.jpg",))
    response = post(client_for(users["volunteer"]), seq, decision=f"officer:{officer.pk}", stills=shown(other))
    assert response.status_code == 400
    unchanged(seq)
    unchanged(other)


def test_a_sequence_split_after_the_page_was_shown_is_not_decided_unseen(users, seq, officer):
    before = shown(seq)
    services.claim_hold(
        user=users["volunteer"], kind=QueueKind.SEQUENCE, item_id=seq.pk, department_id=seq.video.department_id
    )
    split(client_for(users["volunteer"]), seq, before[-1])
    response = post(client_for(users["volunteer"]), seq, decision=f"officer:{officer.pk}", stills=before)
    assert response.status_code in (400, 409)
    assert "changed while you looked" in response.content.decode()
    assert not Decision.objects.exists()


@pytest.mark.parametrize("which", ["foreign", "stale", "all", "none", "letters", "nul"])
def test_a_hostile_split_is_refused_and_nothing_moves(users, seq, allowed_department, which):
    own = shown(seq)
    other = make.sequence(allowed_department, ("biden_2.jpg",))
    still = {
        "foreign": [own[0], other.stills.get().pk],
        "stale": [10**12],
        "all": own,
        "none": [],
        "letters": ["abc"],
        "nul": ["1\x00"],
    }[which]
    response = split(client_for(users["volunteer"]), seq, still)
    assert response.status_code == 400
    assert FaceSequence.objects.count() == 2
    assert shown(seq) == own
    assert not SequenceSplit.objects.exists()


MALFORMED = [
    "",
    "officer:",
    "officer:abc",
    "officer:-1",
    "confirm:",
    "confirm:0",
    "identify",
    "civilian;drop",
    "x" * 500,
]


@pytest.mark.parametrize("decision", MALFORMED)
def test_a_malformed_decision_is_refused(users, seq, decision):
    assert post(client_for(users["volunteer"]), seq, decision=decision).status_code == 400
    unchanged(seq)


def test_a_sequence_held_by_another_volunteer_is_refused_and_not_given_out(users, seq, allowed_department, officer):
    services.claim_hold(
        user=users["coordinator"], kind=QueueKind.SEQUENCE, item_id=seq.pk, department_id=allowed_department.pk
    )
    client = client_for(users["volunteer"])
    assert post(client, seq, decision=f"officer:{officer.pk}").status_code == 409
    assert split(client, seq, shown(seq)[-1]).status_code == 409
    unchanged(seq)
    assert FaceSequence.objects.count() == 1
    shown_page = client.get(reverse("review_sequence", args=[seq.pk]))
    assert shown_page["Location"] == reverse("review_sequence_next", args=[allowed_department.slug])
    empty = client.get(reverse("review_sequence_next", args=[allowed_department.slug]))
    assert empty.status_code == 200 and b"nothing left" in empty.content


def test_a_missing_sequence_is_not_found(users):
    client = client_for(users["volunteer"])
    assert client.get(reverse("review_sequence", args=[10**12])).status_code == 404
    assert split(client, FaceSequence(pk=10**12), [1], stills=[1]).status_code == 404
