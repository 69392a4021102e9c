"""The OpenAPI schema and its Swagger UI page, served from our own static files.

The split view delivers its start-up script as a separate request, so the page works
under our strict CSP (script-src 'self'); Swagger UI itself is vendored under
static/vendor/swagger-ui (Apache-2.0), never loaded from a CDN.
"""

from __future__ import annotations

from django.templatetags.static import static
from django.views.decorators.http import require_safe
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from faces.api.views.base import AUTHENTICATION, READ_THROTTLES


class SchemaView(SpectacularAPIView):
    authentication_classes = AUTHENTICATION
    throttle_classes = READ_THROTTLES


class DocsView(SpectacularSwaggerSplitView):
    authentication_classes = AUTHENTICATION
    throttle_classes = READ_THROTTLES
    url_name = "api:schema"
    title = "Oversight API"

    @staticmethod
    def _swagger_ui_resource(filename: str) -> str:
        return static(f"vendor/swagger-ui/{filename}")

    @staticmethod
    def _swagger_ui_favicon() -> str:
        return static("vendor/swagger-ui/favicon-32x32.png")


# Read-only pages: any other method is refused by Django before DRF negotiates a format or
# authenticates (a POST with ?format=… and a session cookie used to end in a 500, raised by
# the session's CSRF check while the negotiated 404 page was being rendered).
schema_view = require_safe(SchemaView.as_view())
docs_view = require_safe(DocsView.as_view())
