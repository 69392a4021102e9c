from django.urls import path

from departments import views

urlpatterns = [
    path("departments/<slug:slug>/", views.department_detail, name="department_detail"),
]
