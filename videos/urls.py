"""The video pages: upload, the video page with its live status, the public rendition and poster, takedown."""

from django.urls import path

from videos import views, views_takedown

urlpatterns = [
    path("submit/video/", views.video_submit, name="video_submit"),
    path("videos/<int:video_id>/", views.video_detail, name="video_detail"),
    path("videos/<int:video_id>/status.json", views.video_status, name="video_status"),
    path("videos/<int:video_id>/public", views.video_public, name="video_public"),
    path("videos/<int:video_id>/poster", views.video_poster, name="video_poster"),
    path("videos/<int:video_id>/takedown/", views_takedown.video_takedown_page, name="video_takedown"),
]
