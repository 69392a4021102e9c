"""The sequences queue: a face followed through a video, identified at once (each still its own decision)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_http_methods, require_POST

from departments import policy
from departments.models import Officer
from review import services
from review.forms_sequences import SequenceDecisionForm, SequenceSplitForm
from review.models import QueueKind
from review.services.sequences import sequence_decide, sequence_split_record
from review.views.access import volunteer_required
from review.views.item_page import form_errors, officer_search, suggestion_items
from videos.models import FaceSequence
from videos.selectors import clock
from videos.selectors_review import sequence_for_review, sequence_queue, sequence_stills, sequence_suggestions

GONE = "That sequence no longer exists."


def _sequence(pk: int) -> FaceSequence:
    sequence = sequence_for_review(pk)
    if sequence is None:
        raise Http404(GONE)
    return sequence


def _video_url(video_id: int) -> str:
    try:
        return reverse("video_detail", kwargs={"video_id": video_id})
    except NoReverseMatch:  # the video pages are wired in separately; their address is stable
        return f"/videos/{video_id}/"


@require_http_methods(["GET", "POST"])
@volunteer_required
def sequence_page(request: HttpRequest, pk: int) -> HttpResponse:
    sequence = _sequence(pk)
    department = sequence.video.department
    if request.method == "POST":
        return _decide(request, sequence)
    if not sequence_queue(department).filter(pk=sequence.pk).exists():
        messages.info(
            request, "That sequence is not waiting for review (identified already, or its video is still processing)."
        )
        return redirect("review_sequence_next", slug=department.slug)
    if not services.claim_hold(
        user=request.user, kind=QueueKind.SEQUENCE, item_id=sequence.pk, department_id=department.pk
    ):
        messages.info(request, "Another volunteer is working on that sequence; here is the next one.")
        return redirect("review_sequence_next", slug=department.slug)
    return render_sequence(request, sequence)


def _still_ids(sequence: FaceSequence) -> list[int]:
    return list(sequence.stills.values_list("pk", flat=True))


def _decide(request: HttpRequest, sequence: FaceSequence) -> HttpResponse:
    form = SequenceDecisionForm(request.POST, ids=_still_ids(sequence))
    if not form.is_valid():
        return render_sequence(request, sequence, errors=form_errors(form), status=400)
    data = form.cleaned_data
    department = sequence.video.department
    officer = None
    if data["officer"] is not None:
        # Only officers of the video's own department can be picked (a suggestion may name another).
        officer = Officer.objects.filter(pk=data["officer"], department_id=department.pk).first()
        if officer is None:
            return render_sequence(request, sequence, errors=["Choose an officer of this department."], status=400)
    # Refusals (changed, held by another, decided already, suggestion hidden) are shown by oversight.middleware.
    decided = sequence_decide(
        sequence,
        action=data["action"],
        actor=request.user,
        shown=data["shown"],
        officer=officer,
        suggestion_id=data["suggestion"],
        use_for_recognition=data["use_for_recognition"],
    )
    if data["action"] != "skip":
        who = decided.officer.full_name if decided.officer else "not an officer"
        messages.success(request, f"Sequence {decided.number} identified: {who}.")
    return redirect("review_sequence_next", slug=department.slug)


@require_POST
@volunteer_required
def sequence_split(request: HttpRequest, pk: int) -> HttpResponse:
    sequence = _sequence(pk)
    form = SequenceSplitForm(request.POST, ids=_still_ids(sequence))
    if not form.is_valid():
        return render_sequence(request, sequence, errors=form_errors(form), status=400)
    created = sequence_split_record(
        sequence, still_ids=form.cleaned_data["still"], actor=request.user, shown=form.cleaned_data["shown"]
    )
    moved = len(form.cleaned_data["still"])
    messages.success(
        request,
        f"{moved} still{'' if moved == 1 else 's'} moved to a new sequence ({created.number}); "
        "it waits in the queue. Carry on with this one.",
    )
    return redirect("review_sequence", pk=sequence.pk)


def render_sequence(request: HttpRequest, sequence: FaceSequence, *, errors=(), status: int = 200) -> HttpResponse:
    video = sequence.video
    department = video.department
    stills = sequence_stills(sequence)
    return render(
        request,
        "review/sequence.html",
        {
            "sequence": sequence,
            "video": video,
            "video_url": _video_url(video.pk),
            "department": department,
            "stills": [{"still": still, "face": still.face, "clock": clock(still.time)} for still in stills],
            "first_clock": clock(sequence.first_time),
            "last_clock": clock(sequence.last_time),
            "splittable": sequence.status == FaceSequence.Status.OPEN and len(stills) > 1,
            "recognition_allowed": policy.recognition_allowed(department),
            "suggestions": suggestion_items(sequence_suggestions(stills)),
            **officer_search(request, department),
            "errors": errors,
        },
        status=status,
    )
