"""Writes of the review dashboard: claims and skips, decisions, curation, undo."""

from review.services.claims import claim_hold, claim_holder, claim_next, claim_release, skip_remember
from review.services.curation import face_set_gallery_use, officer_set_featured_face
from review.services.decisions import face_decide, face_identify_new_officer, image_sort_decide
from review.services.errors import ClaimedByAnother, ReviewError
from review.services.groups import GroupUnavailable, group_decide
from review.services.undo import decision_undo

__all__ = [
    "ClaimedByAnother",
    "GroupUnavailable",
    "ReviewError",
    "claim_hold",
    "claim_holder",
    "claim_next",
    "claim_release",
    "decision_undo",
    "face_decide",
    "face_identify_new_officer",
    "face_set_gallery_use",
    "group_decide",
    "image_sort_decide",
    "officer_set_featured_face",
    "skip_remember",
]
