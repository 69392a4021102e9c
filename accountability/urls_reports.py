"""Public pages of problem reports (no namespace; every name starts with "report")."""

from django.urls import path

from accountability import views

urlpatterns = [
    path("report/", views.report_new, name="report_new"),
    path("reports/<str:token>/", views.report_status, name="report_status"),
]
