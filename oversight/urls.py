from django.contrib import admin
from django.urls import include, path

from oversight import views

handler500 = "oversight.errors.server_error"  # a database outage answers 503, not 500

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("api/v1/", include("faces.api.urls")),
    path("review/", include("review.urls")),
    path("", include("departments.urls")),
    path("", include("faces.urls")),
]
