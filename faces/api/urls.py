"""The REST API, mounted at /api/v1/ (paths and field names are a contract: keep them)."""

from django.urls import path

from faces.api.views import auth, departments, docs, images, officers, review, roster, worker

app_name = "api"

urlpatterns = [
    path("auth/token/", auth.TokenView.as_view(), name="token"),
    path("departments/", departments.DepartmentList.as_view(), name="department-list"),
    path("departments/<int:pk>/", departments.DepartmentDetail.as_view(), name="department-detail"),
    path(
        "departments/<int:pk>/recognition/", departments.DepartmentRecognition.as_view(), name="department-recognition"
    ),
    path("departments/<int:pk>/export.zip", departments.DepartmentExport.as_view(), name="department-export"),
    path("departments/<int:pk>/roster/", roster.DepartmentRoster.as_view(), name="department-roster"),
    path("officers/", officers.OfficerList.as_view(), name="officer-list"),
    path("officers/<int:pk>/", officers.OfficerDetail.as_view(), name="officer-detail"),
    path("images/", images.ImageUpload.as_view(), name="image-upload"),
    path("images/<int:pk>/", images.ImageDetail.as_view(), name="image-detail"),
    path("images/<int:pk>/faces/", images.ImageFaces.as_view(), name="image-faces"),
    path("images/<int:pk>/sort/", images.ImageSort.as_view(), name="image-sort"),
    path("faces/<int:pk>/identify/", review.FaceIdentify.as_view(), name="face-identify"),
    path("faces/<int:pk>/embedding/", worker.FaceEmbedding.as_view(), name="face-embedding"),
    path("suggestions/<int:pk>/confirm/", review.SuggestionConfirm.as_view(), name="suggestion-confirm"),
    path("suggestions/<int:pk>/reject/", review.SuggestionReject.as_view(), name="suggestion-reject"),
    path("gallery/", worker.Gallery.as_view(), name="gallery"),
    path("schema/", docs.schema_view, name="schema"),
    path("docs/", docs.docs_view, name="docs"),
]
