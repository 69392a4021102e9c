from django.urls import path

from faces.views import boxes, images, incidents, notices, officers, submit, takedown

urlpatterns = [
    path("submit/", submit.submit, name="submit"),
    path("images/<int:image_id>/", images.image_detail, name="image_detail"),
    path("images/<int:image_id>/status.json", images.image_status, name="image_status"),
    path("images/<int:image_id>/public.jpg", images.image_public, name="image_public"),
    path("images/<int:image_id>/original", images.image_original, name="image_original"),
    path("images/<int:image_id>/takedown/", takedown.image_takedown_page, name="image_takedown"),
    path("notices/<str:token>/delete/", notices.notice_delete, name="notice_delete"),
    path("images/<int:image_id>/faces/", boxes.face_create, name="face_create"),
    path("faces/<int:face_id>/update/", boxes.face_update, name="face_update"),
    path("faces/<int:face_id>/delete/", boxes.face_delete, name="face_delete"),
    path("faces/<int:face_id>/crop.jpg", boxes.face_crop, name="face_crop"),
    path("departments/<slug:slug>/", officers.department_detail, name="department_detail"),
    path("departments/<slug:slug>/export.zip", officers.department_export_zip, name="department_export"),
    path("departments/<slug:slug>/incidents/", incidents.department_incidents_page, name="department_incidents"),
    path("incidents/<int:incident_id>/", incidents.incident_detail, name="incident_detail"),
    path("officers/", officers.officer_search, name="officer_search"),
    path("officers/<int:officer_id>/", officers.officer_detail, name="officer_detail"),
]
