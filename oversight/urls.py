from django.contrib import admin
from django.urls import include, path

from oversight import views

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
