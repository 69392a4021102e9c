from django.apps import AppConfig


class AccountabilityConfig(AppConfig):
    """The site's accountability for itself: problem reports from the public and the transparency pages."""

    name = "accountability"
    default_auto_field = "django.db.models.BigAutoField"
