from django.contrib import admin
from django.urls import include, path

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
    path("api/v1/", include("faces.api.urls")),
    path("review/", include("review.urls")),
    path("", include("faces.urls")),
]
