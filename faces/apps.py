from django.apps import AppConfig


class FacesConfig(AppConfig):
    name = "faces"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from faces import signals  # noqa: F401
