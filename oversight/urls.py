from django.contrib import admin
from django.urls import include, path

from accountability.api import ReportCreate
from oversight import views
from review.api_sequences import SequenceIdentify, SequenceSplit
from videos.api import VideoDetail, VideoUpload

# Styled pages for people, JSON under /api/; a database outage answers 503, not 500.
handler400 = "oversight.errors.bad_request"
handler403 = "oversight.errors.permission_denied"
handler404 = "oversight.errors.page_not_found"
handler500 = "oversight.errors.server_error"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    # Problem reports (accountability): the API beside faces.api, which must not import it.
    path("api/v1/reports/", ReportCreate.as_view(), name="api_report_create"),
    # Videos: the API beside faces.api too (videos may import faces, never the reverse).
    path("api/v1/videos/", VideoUpload.as_view(), name="api_video_upload"),
    path("api/v1/videos/<int:pk>/", VideoDetail.as_view(), name="api_video_detail"),
    # Reviewing video face sequences (review's API: faces.api must not import review).
    path("api/v1/sequences/<int:pk>/identify/", SequenceIdentify.as_view(), name="api_sequence_identify"),
    path("api/v1/sequences/<int:pk>/split/", SequenceSplit.as_view(), name="api_sequence_split"),
    path("api/v1/", include("faces.api.urls")),
    path("review/", include("review.urls")),
    path("", include("accountability.urls_reports")),
    # Transparency pages and their JSON/CSV under /api/v1/ (before faces.urls' departments/<slug>/).
    path("", include("accountability.urls_transparency")),
    path("", include("videos.urls")),
    path("", include("faces.urls")),
]
