"""The transparency pages and their API twins (mounted at the site's root, before faces.urls)."""

from django.urls import path

from accountability import api_transparency as api
from accountability import views_transparency

urlpatterns = [
    path("transparency/", views_transparency.site_transparency, name="transparency"),
    path(
        "departments/<slug:slug>/transparency/",
        views_transparency.department_transparency,
        name="department_transparency",
    ),
    path("api/v1/transparency/", api.SiteTransparency.as_view(), name="transparency_api"),
    path(
        "api/v1/departments/<int:pk>/transparency/",
        api.DepartmentTransparency.as_view(),
        name="department_transparency_api",
    ),
]
