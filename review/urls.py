"""Review dashboard URLs (no namespace; every name starts with "review_")."""

from django.urls import path

from review.models import QueueKind
from review.views import (
    dashboard,
    decisions,
    gallery,
    groups,
    headshots,
    identify,
    jurisdictions,
    media,
    members,
    queue,
    records,
    records_history,
    records_officer,
    reports,
    roster,
    sequences,
    sort,
)

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
    path("departments/<slug:slug>/groups/", queue.queue_next, {"kind": QueueKind.GROUP}, name="review_group_next"),
    path("groups/<int:pk>/", groups.group_page, name="review_group"),
    # Video face sequences: one item per sequence, every still identified at once.
    path(
        "departments/<slug:slug>/sequences/",
        queue.queue_next,
        {"kind": QueueKind.SEQUENCE},
        name="review_sequence_next",
    ),
    path("sequences/<int:pk>/", sequences.sequence_page, name="review_sequence"),
    path("sequences/<int:pk>/split/", sequences.sequence_split, name="review_sequence_split"),
    path("faces/<int:pk>/new-officer/", identify.new_officer, name="review_new_officer"),
    path("officers/<int:pk>/gallery/", gallery.gallery, name="review_gallery"),
    path("decisions/", decisions.decision_list, name="review_decisions"),
    path("decisions/<int:pk>/undo/", decisions.decision_undo, name="review_decision_undo"),
    path("jurisdictions/", jurisdictions.jurisdiction_list, name="review_jurisdictions"),
    path("jurisdictions/<slug:slug>/switch/", jurisdictions.jurisdiction_switch, name="review_jurisdiction_switch"),
    path("departments/<slug:slug>/roster/", roster.roster_upload, name="review_roster_upload"),
    path("roster/<int:pk>/", roster.roster_detail, name="review_roster"),
    # The officer record (incidents, links, assignments, salaries) and its audit trail.
    path("departments/<slug:slug>/incidents/", records.incident_list, name="review_record_incidents"),
    path("departments/<slug:slug>/incidents/new/", records.incident_new, name="review_record_incident_new"),
    path("incidents/<int:pk>/", records.incident_edit, name="review_record_incident"),
    path("incidents/<int:pk>/links/", records.incident_link_add, name="review_record_incident_link"),
    path("links/<int:pk>/remove/", records.link_delete, name="review_record_link_remove"),
    path("officers/<int:pk>/record/", records_officer.officer_edit, name="review_record_officer"),
    path("officers/<int:pk>/assignments/", records_officer.assignment_new, name="review_record_assignment"),
    path("officers/<int:pk>/links/", records_officer.officer_link_add, name="review_record_officer_link"),
    path("officers/<int:pk>/salaries/", records_officer.salary_save, name="review_record_salary"),
    path("departments/<slug:slug>/record-changes/", records_history.record_changes, name="review_record_changes"),
    path("departments/<slug:slug>/headshots/", headshots.headshots_upload, name="review_headshots"),
    path("headshots/<int:pk>/", headshots.headshot_batch, name="review_headshot_batch"),
    path("headshots/<int:pk>.json", headshots.headshot_batch_status, name="review_headshot_batch_status"),
    # Problem reports from the public, for the department's coordinators and administrators.
    path("departments/<slug:slug>/reports/", reports.report_list, name="review_reports"),
    path("reports/<int:pk>/", reports.report_detail, name="review_report"),
    path("images/<int:pk>/photo/", media.photo, name="review_image_photo"),
    path("faces/<int:pk>/crop/", media.face_crop, name="review_face_crop"),
]
