"""Deciding about a whole video face sequence: every still its own face decision, the gate's rules
unchanged, refusals like a face's, and splitting a sequence that joined two people."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from faces.models import Decision, Face, Image, MatchSuggestion
from faces.selectors import visible_suggestions
from faces.services.review import AlreadyDecided, ReviewError, SuggestionUnavailable, face_identify
from oversight.exceptions import NotPermitted
from review.selectors import department_queues, identify_queue, sort_queue
from review.services import decision_undo
from tests import factories
from tests.api.test_decision_path import behind_the_gates_back
from tests.videos import sequences as make
from videos.models import FaceSequence, SequenceFace
from videos.selectors import video_page_data
from videos.selectors_review import sequence_queue, sequence_stills, sequence_suggestions
from videos.services.rendition import blurred_tracks
from videos.services.review import (
    SequenceUnavailable,
    sequence_identify,
    sequence_mark_civilian,
    sequence_split,
)

VECTOR = [0.1] * 128


@pytest.fixture
def seq(users, allowed_department):
    return make.sequence(allowed_department, ("obama_1.jpg", "obama_2.jpg", "biden_1.jpg"))


def fresh(sequence: FaceSequence) -> FaceSequence:
    return FaceSequence.objects.get(pk=sequence.pk)


# --- Identify --------------------------------------------------------------------------------
def test_identifying_a_sequence_identifies_every_still_each_with_its_own_decision(users, seq, officer):
    sequence_identify(seq, officer=officer, actor=users["volunteer"])
    faces = make.still_faces(seq)
    assert [f.officer_id for f in faces] == [officer.pk] * 3
    decisions = Decision.objects.filter(face__in=faces)
    assert sorted(d.face_id for d in decisions) == sorted(f.pk for f in faces)
    assert {d.kind for d in decisions} == {Decision.Kind.IDENTIFY}
    assert {d.actor_id for d in decisions} == {users["volunteer"].pk}
    seq = fresh(seq)
    assert (seq.status, seq.officer_id) == (FaceSequence.Status.IDENTIFIED, officer.pk)
    assert not sequence_queue(seq.video.department_id).exists()


def test_confirming_a_suggestion_confirms_that_still_and_identifies_the_others(users, seq, officer):
    best = make.still_faces(seq)[1]
    suggestion = factories.suggestion(best, officer)
    sequence_identify(seq, officer=officer, suggestion=suggestion, actor=users["volunteer"])
    kinds = dict(Decision.objects.filter(face__video_still__sequence=seq).values_list("face_id", "kind"))
    assert kinds.pop(best.pk) == Decision.Kind.CONFIRM
    assert set(kinds.values()) == {Decision.Kind.IDENTIFY}
    assert MatchSuggestion.objects.get(pk=suggestion.pk).status == MatchSuggestion.Status.CONFIRMED


def test_the_suggestions_shown_for_a_sequence_are_its_stills_visible_ones_once_per_officer(users, seq, officer):
    first, second, _ = make.still_faces(seq)
    factories.suggestion(first, officer, distance=0.5)
    closest = factories.suggestion(second, officer, distance=0.3)
    assert sequence_suggestions(sequence_stills(seq)) == [closest]


def test_a_suggestion_hidden_by_the_gate_cannot_be_confirmed_for_a_sequence(users, seq, disallowed_department):
    elsewhere = factories.officer(disallowed_department)
    suggestion = MatchSuggestion.objects.create(face=make.still_faces(seq)[0], officer=elsewhere, distance=0.3, rank=1)
    assert sequence_suggestions(sequence_stills(seq)) == []
    with pytest.raises(SuggestionUnavailable):
        sequence_identify(seq, officer=elsewhere, suggestion=suggestion, actor=users["volunteer"])
    assert not Decision.objects.exists()


def test_the_gate_hides_a_sequences_suggestions_even_left_pending_behind_its_back(seq, officer, disallowed_department):
    # The triggers would withdraw both at once; with them off, only the selectors' gate hides them.
    first, second, third = make.still_faces(seq)
    shown = factories.suggestion(first, officer, distance=0.4)
    with behind_the_gates_back():
        factories.suggestion(second, factories.officer(disallowed_department), distance=0.2)
        Image.objects.filter(pk=third.image_id).update(department=disallowed_department)
        factories.suggestion(third, factories.officer(seq.video.department), distance=0.1)
    assert MatchSuggestion.objects.filter(status=MatchSuggestion.Status.PENDING).count() == 3
    assert sequence_suggestions(sequence_stills(seq)) == [shown]


def _one_still_at_a_time(stills: list[SequenceFace]) -> list[MatchSuggestion]:
    """What sequence_suggestions returned when it asked visible_suggestions still by still."""
    best: dict[int, MatchSuggestion] = {}
    for still in stills:
        if still.face.officer_id is None and not still.face.is_civilian:
            for suggestion in visible_suggestions(still.face):
                if suggestion.officer_id not in best or suggestion.distance < best[suggestion.officer_id].distance:
                    best[suggestion.officer_id] = suggestion
    return sorted(best.values(), key=lambda s: (s.distance, s.pk))


def test_a_sequences_suggestions_take_the_same_queries_for_one_still_as_for_five(
    users, allowed_department, officer, django_assert_num_queries
):
    def suggested(stills: int) -> list[SequenceFace]:
        made = make.sequence(allowed_department, ("obama_1.jpg",) * stills)
        for n, face in enumerate(make.still_faces(made)):
            factories.suggestion(face, officer, distance=0.4)  # a tie on every still: the first still's is kept
            factories.suggestion(face, factories.officer(allowed_department), distance=0.5 - n / 100, rank=2)
        return sequence_stills(made)

    one, five = suggested(1), suggested(5)
    face_identify(five[2].face, officer=officer, actor=users["volunteer"])  # a decided still is left out
    five = sequence_stills(five[0].sequence)
    with CaptureQueriesContext(connection) as for_one:
        assert len(sequence_suggestions(one)) == 2
    with django_assert_num_queries(len(for_one.captured_queries)):
        found = sequence_suggestions(five)
    assert len(for_one.captured_queries) == 1
    assert found == _one_still_at_a_time(five)
    assert found[0] == MatchSuggestion.objects.get(face=five[0].face, officer=officer)
    assert len(found) == 5  # the officer once, and the four undecided stills' other officers


def test_a_suggestion_of_another_sequence_is_refused(users, seq, officer, allowed_department):
    other = make.sequence(allowed_department, ("biden_2.jpg",))
    suggestion = factories.suggestion(make.still_faces(other)[0], officer)
    with pytest.raises(SuggestionUnavailable):
        sequence_identify(seq, officer=officer, suggestion=suggestion, actor=users["volunteer"])
    assert not Decision.objects.exists()


def test_a_suggested_officer_of_another_department_is_confirmed_for_a_one_still_sequence(
    users, allowed_department, other_department
):
    # The gallery spans every department that allows recognition; a person confirms the match.
    seq = make.sequence(allowed_department, ("obama_1.jpg",))
    neighbour = factories.officer(other_department)
    suggestion = factories.suggestion(make.still_faces(seq)[0], neighbour)
    sequence_identify(seq, officer=neighbour, suggestion=suggestion, actor=users["volunteer"])
    assert make.still_faces(seq)[0].officer_id == neighbour.pk


def test_other_stills_without_that_suggestion_are_not_identified_across_departments(users, seq, other_department):
    # face_identify's rule: without a suggestion of their own, stills take officers of their department only.
    neighbour = factories.officer(other_department)
    suggestion = factories.suggestion(make.still_faces(seq)[0], neighbour)
    with pytest.raises(ReviewError):
        sequence_identify(seq, officer=neighbour, suggestion=suggestion, actor=users["volunteer"])
    assert not Decision.objects.exists()
    assert MatchSuggestion.objects.get(pk=suggestion.pk).status == MatchSuggestion.Status.PENDING


def test_an_officer_of_another_department_is_refused_and_nothing_changes(users, seq, other_department):
    stranger = factories.officer(other_department)
    with pytest.raises(ReviewError):
        sequence_identify(seq, officer=stranger, actor=users["volunteer"])
    assert not Decision.objects.exists()
    assert fresh(seq).status == FaceSequence.Status.OPEN
    assert all(f.officer_id is None for f in make.still_faces(seq))


def test_a_sequence_decided_already_is_refused_like_a_face(users, seq, officer):
    sequence_identify(seq, officer=officer, actor=users["volunteer"])
    with pytest.raises(AlreadyDecided):
        sequence_identify(seq, officer=officer, actor=users["coordinator"])
    with pytest.raises(AlreadyDecided):
        sequence_mark_civilian(seq, actor=users["coordinator"])
    assert Decision.objects.count() == 3


def test_a_still_decided_as_someone_else_is_not_overwritten(users, seq, officer, allowed_department):
    other = factories.officer(allowed_department)
    face_identify(make.still_faces(seq)[2], officer=other, actor=users["volunteer"])
    with pytest.raises(SequenceUnavailable):
        sequence_identify(seq, officer=officer, actor=users["volunteer"])
    with pytest.raises(SequenceUnavailable):
        sequence_mark_civilian(seq, actor=users["volunteer"])
    assert Decision.objects.count() == 1


def test_a_still_already_identified_as_the_same_officer_is_left_as_it_is(users, seq, officer):
    face_identify(make.still_faces(seq)[0], officer=officer, actor=users["coordinator"])
    sequence_identify(seq, officer=officer, actor=users["volunteer"])
    assert Decision.objects.filter(actor=users["volunteer"]).count() == 2
    assert Decision.objects.count() == 3


def test_a_sequence_split_meanwhile_is_refused(users, seq, officer):
    shown = list(seq.stills.values_list("pk", flat=True))
    sequence_split(seq, still_ids=shown[-1:], actor=users["coordinator"])
    with pytest.raises(SequenceUnavailable):
        sequence_identify(seq, officer=officer, actor=users["volunteer"], shown=shown)
    assert not Decision.objects.exists()


@pytest.mark.parametrize("role", ["member", "disabled"])
def test_only_reviewers_decide(users, seq, officer, role):
    with pytest.raises(NotPermitted):
        sequence_identify(seq, officer=officer, actor=users[role])
    with pytest.raises(NotPermitted):
        sequence_split(seq, still_ids=[seq.stills.first().pk], actor=users[role])
    assert not Decision.objects.exists()


def test_marking_a_sequence_not_an_officer_marks_every_still_civilian(users, seq):
    sequence_mark_civilian(seq, actor=users["volunteer"])
    faces = make.still_faces(seq)
    assert all(f.is_civilian and f.officer_id is None and not f.use_for_recognition for f in faces)
    assert set(Decision.objects.filter(face__in=faces).values_list("kind", flat=True)) == {Decision.Kind.CIVILIAN}
    assert Decision.objects.count() == 3
    assert fresh(seq).status == FaceSequence.Status.CIVILIAN


# --- Undo and the queues ------------------------------------------------------------------------
def test_one_stills_decision_is_undone_by_the_existing_undo_and_the_sequence_comes_back(users, seq, officer):
    sequence_identify(seq, officer=officer, actor=users["volunteer"])
    face = make.still_faces(seq)[1]
    decision_undo(Decision.objects.get(face=face), actor=users["coordinator"])
    assert Face.objects.get(pk=face.pk).officer_id is None
    assert sequence_queue(seq.video.department_id).filter(pk=seq.pk).exists()
    # Identified again, only that still gets a new decision.
    sequence_identify(seq, officer=officer, actor=users["volunteer"])
    assert Face.objects.get(pk=face.pk).officer_id == officer.pk
    assert Decision.objects.filter(face=face, kind=Decision.Kind.IDENTIFY).count() == 2


def test_stills_are_not_offered_one_by_one_in_the_identify_or_sort_queues(users, seq, allowed_department):
    loose = factories.face(factories.image(allowed_department, status="done"))
    assert list(identify_queue(allowed_department).values_list("pk", flat=True)) == [loose.pk]
    assert list(sort_queue(allowed_department)) == [loose.image]
    counts = department_queues().get(pk=allowed_department.pk)
    assert (counts.sort_count, counts.identify_count) == (1, 1)
    assert sequence_queue(allowed_department).get() == seq


def test_sequences_of_videos_still_processing_wait(users, allowed_department):
    video = make.video(allowed_department, status="processing")
    make.sequence(of_video=video, names=("obama_1.jpg",))
    assert not sequence_queue(allowed_department).exists()


# --- The gate --------------------------------------------------------------------------------
def test_in_illinois_a_person_identifies_a_sequence_but_its_stills_get_no_embeddings(users, illinois_department):
    officer = factories.officer(illinois_department)
    seq = make.sequence(illinois_department)
    Face.objects.filter(video_still__sequence=seq).update(embedding=VECTOR)  # the triggers refuse it
    assert sequence_suggestions(sequence_stills(seq)) == []
    sequence_identify(seq, officer=officer, actor=users["volunteer"])
    faces = make.still_faces(seq)
    assert [f.officer_id for f in faces] == [officer.pk, officer.pk]
    assert all(f.embedding is None for f in faces)
    assert Decision.objects.filter(face__in=faces, kind=Decision.Kind.IDENTIFY).count() == 2


def test_identifying_where_recognition_is_allowed_keeps_the_stills_embeddings(users, seq, officer):
    Face.objects.filter(video_still__sequence=seq).update(embedding=VECTOR)
    sequence_identify(seq, officer=officer, actor=users["volunteer"])
    assert all(f.embedding is not None and f.use_for_recognition for f in make.still_faces(seq))


def test_not_for_recognition_keeps_the_stills_out_of_the_gallery(users, seq, officer):
    sequence_identify(seq, officer=officer, actor=users["volunteer"], use_for_recognition=False)
    assert not any(f.use_for_recognition for f in make.still_faces(seq))


# --- Split -------------------------------------------------------------------------------------
def test_splitting_moves_the_chosen_stills_and_their_part_of_the_track_to_a_new_sequence(users, allowed_department):
    seq = make.sequence(allowed_department, ("obama_1.jpg", "obama_2.jpg", "biden_1.jpg"), times=(1.0, 2.0, 5.0))
    biden = SequenceFace.objects.get(sequence=seq, time=5.0)
    suggestion = factories.suggestion(biden.face, factories.officer(allowed_department))
    created = sequence_split(seq, still_ids=[biden.pk], actor=users["volunteer"])
    seq = fresh(seq)
    assert (created.split_from_id, created.number, created.status) == (seq.pk, seq.number + 1, "open")
    assert list(created.stills.values_list("pk", flat=True)) == [biden.pk]
    assert seq.stills.count() == 2
    # The boxes nearer 5 s than 2 s went with the moved still (3.5 s, a tie, stays).
    assert [p[0] for p in created.track] == [4.0, 4.5, 5.0]
    assert [p[0] for p in seq.track] == [1.0, 1.5, 2.0, 2.5, 3.0, 3.5]
    assert (created.first_time, created.last_time, created.frame_count) == (4.0, 5.0, 3)
    assert (seq.first_time, seq.last_time, seq.frame_count) == (1.0, 3.5, 6)
    # The suggestion stays with its face, now in the new sequence; no identity changed.
    assert MatchSuggestion.objects.get(pk=suggestion.pk).face_id == biden.face_id
    assert not Decision.objects.exists()
    assert set(sequence_queue(allowed_department)) == {seq, created}


def test_a_split_sequence_takes_the_videos_next_number(users, allowed_department):
    video = make.video(allowed_department)
    first = make.sequence(of_video=video, names=("obama_1.jpg", "obama_2.jpg"))
    make.sequence(of_video=video, names=("biden_1.jpg",))
    created = sequence_split(first, still_ids=[first.stills.last().pk], actor=users["volunteer"])
    assert created.number == 3


@pytest.mark.parametrize("which", ["none", "all", "foreign", "stale"])
def test_a_split_of_none_all_or_foreign_stills_is_refused(users, seq, allowed_department, which):
    own = list(seq.stills.values_list("pk", flat=True))
    other = make.sequence(allowed_department, ("biden_2.jpg",))
    ids = {
        "none": [],
        "all": own,
        "foreign": [own[0], other.stills.get().pk],
        "stale": [10**12],
    }[which]
    with pytest.raises(ReviewError):
        sequence_split(seq, still_ids=ids, actor=users["volunteer"])
    assert FaceSequence.objects.count() == 2
    assert fresh(seq).stills.count() == 3


def test_only_an_open_sequence_can_be_split(users, seq, officer):
    sequence_identify(seq, officer=officer, actor=users["volunteer"])
    with pytest.raises(SequenceUnavailable):
        sequence_split(seq, still_ids=[seq.stills.first().pk], actor=users["volunteer"])
    assert FaceSequence.objects.count() == 1


# --- The public rendition follows -------------------------------------------------------------
def test_a_decision_re_renders_the_public_video_once_committed(
    users, allowed_department, officer, tmp_path, django_capture_on_commit_callbacks
):
    video = make.video_with_clip(allowed_department, tmp_path)
    seq = make.sequence(of_video=video, names=("obama_1.jpg",))
    assert not video.public_file
    with django_capture_on_commit_callbacks(execute=True):
        sequence_identify(seq, officer=officer, actor=users["volunteer"])
    video.refresh_from_db()
    assert video.public_file.name.endswith(".mp4") and video.poster.name.endswith(".jpg")


def test_a_sequence_is_shown_only_while_every_still_is_identified_as_its_officer(users, allowed_department, officer):
    seq = make.sequence(allowed_department, ("obama_1.jpg", "obama_2.jpg"))
    sequence_identify(seq, officer=officer, actor=users["volunteer"])
    video = seq.video
    assert blurred_tracks(video) == []
    assert video_page_data(video)["sequences"][0]["officer"]["id"] == officer.pk
    second = make.still_faces(seq)[1]
    other = factories.officer(allowed_department)
    # The sequence still says "identified" each time; one of its stills no longer agrees.
    for identity in ({"officer": None}, {"officer": other}, {"officer": None, "is_civilian": True}):
        Face.objects.filter(pk=second.pk).update(**{"officer": None, "is_civilian": False, **identity})
        assert fresh(seq).status == FaceSequence.Status.IDENTIFIED
        assert blurred_tracks(video) == [fresh(seq).track], identity
        shown = video_page_data(video)["sequences"][0]
        assert shown["officer"] is None and shown["thumb_url"] == "", identity


@pytest.fixture
def renders_seen():
    """The video's public file as each render task starts (a real Celery signal, eager tasks)."""
    from celery.signals import task_prerun

    from videos.models import Video

    seen: list[str] = []

    def record(sender=None, args=None, **kwargs):
        if sender is not None and sender.name.endswith("render_video_public"):
            seen.append(Video.objects.get(pk=args[0]).public_file.name or "")

    task_prerun.connect(record, weak=False)
    yield seen
    task_prerun.disconnect(record)


@pytest.fixture
def shown_sequence(users, allowed_department, officer, tmp_path, django_capture_on_commit_callbacks):
    """A rendered video whose one sequence (two stills) is identified, so shown unblurred."""
    video = make.video_with_clip(allowed_department, tmp_path)
    seq = make.sequence(of_video=video, names=("obama_1.jpg", "obama_2.jpg"))
    with django_capture_on_commit_callbacks(execute=True):
        sequence_identify(seq, officer=officer, actor=users["volunteer"])
    video.refresh_from_db()
    assert video.public_file and blurred_tracks(video) == []
    return seq


def assert_hidden_then_rendered_blurred(seq: FaceSequence, shown_file: str, renders_seen: list[str]) -> None:
    from django.core.files.storage import default_storage

    video = seq.video
    video.refresh_from_db()
    assert renders_seen == [""]  # one render, and the unblurred file was gone before it started
    assert not default_storage.exists(shown_file)
    assert video.public_file.name and video.public_file.name != shown_file
    assert blurred_tracks(video) == [fresh(seq).track]


def test_undoing_one_stills_identification_takes_the_shown_face_down_and_blurs_it_again(
    users, shown_sequence, renders_seen, django_capture_on_commit_callbacks
):
    shown_file = shown_sequence.video.public_file.name
    decision = Decision.objects.get(face=make.still_faces(shown_sequence)[1], undone_at__isnull=True)
    with django_capture_on_commit_callbacks(execute=True):
        decision_undo(decision, actor=users["coordinator"])
    assert_hidden_then_rendered_blurred(shown_sequence, shown_file, renders_seen)


def test_a_report_marking_a_still_not_an_officer_takes_the_shown_face_down_and_blurs_it_again(
    users, shown_sequence, renders_seen, django_capture_on_commit_callbacks
):
    from accountability.models import ProblemReport
    from accountability.services import report_create
    from review.services.reports import report_resolve

    shown_file = shown_sequence.video.public_file.name
    report = report_create(kind="not_an_officer", face=make.still_faces(shown_sequence)[0])
    with django_capture_on_commit_callbacks(execute=True):
        report_resolve(report, outcome=ProblemReport.Status.MARKED_NOT_OFFICER, reason="", actor=users["coordinator"])
    assert make.still_faces(shown_sequence)[0].is_civilian
    assert_hidden_then_rendered_blurred(shown_sequence, shown_file, renders_seen)


def test_identifying_a_still_in_the_per_face_queue_re_renders_its_video_once(
    users, allowed_department, officer, tmp_path, renders_seen, django_capture_on_commit_callbacks
):
    video = make.video_with_clip(allowed_department, tmp_path)
    seq = make.sequence(of_video=video, names=("obama_1.jpg",))
    with django_capture_on_commit_callbacks(execute=True):
        face_identify(make.still_faces(seq)[0], officer=None, civilian=True, actor=users["volunteer"])
    video.refresh_from_db()
    assert renders_seen == [""] and (video.public_file.name or "").endswith(".mp4")
