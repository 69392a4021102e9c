"""Review dashboard URLs (no namespace; every name starts with "review_")."""

from django.urls import path

from review.models import QueueKind
from review.views import dashboard, decisions, gallery, identify, jurisdictions, media, members, queue, sort

urlpatterns = [
    path("", dashboard.dashboard, name="review_dashboard"),
    path("leaderboard/", dashboard.leaderboard, name="review_leaderboard"),
    path("members/", members.member_list, name="review_members"),
    path("members/<int:pk>/approve/", members.member_approve, name="review_member_approve"),
    path("members/<int:pk>/decline/", members.member_decline, name="review_member_decline"),
    path("departments/<slug:slug>/sort/", queue.queue_next, {"kind": QueueKind.SORT}, name="review_sort_next"),
    path("sort/<int:pk>/", sort.sort_image, name="review_sort"),
    path(
        "departments/<slug:slug>/identify/", queue.queue_next, {"kind": QueueKind.IDENTIFY}, name="review_identify_next"
    ),
    path("faces/<int:pk>/", identify.identify_face, name="review_identify"),
    path("faces/<int:pk>/new-officer/", identify.new_officer, name="review_new_officer"),
    path("officers/<int:pk>/gallery/", gallery.gallery, name="review_gallery"),
    path("decisions/", decisions.decision_list, name="review_decisions"),
    path("decisions/<int:pk>/undo/", decisions.decision_undo, name="review_decision_undo"),
    path("jurisdictions/", jurisdictions.jurisdiction_list, name="review_jurisdictions"),
    path("jurisdictions/<slug:slug>/switch/", jurisdictions.jurisdiction_switch, name="review_jurisdiction_switch"),
    path("images/<int:pk>/photo/", media.photo, name="review_image_photo"),
    path("faces/<int:pk>/crop/", media.face_crop, name="review_face_crop"),
]
