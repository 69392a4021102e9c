from django.contrib import admin
from django.urls import include, path

from accountability.api import ReportCreate
from oversight import views

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
    path("api/v1/", include("faces.api.urls")),
    path("review/", include("review.urls")),
    path("", include("accountability.urls_reports")),
    # Transparency pages and their JSON/CSV under /api/v1/ (before faces.urls' departments/<slug>/).
    path("", include("accountability.urls_transparency")),
    path("", include("faces.urls")),
]
