from django.apps import AppConfig


class VideosConfig(AppConfig):
    """Uploaded footage: face sequences followed through it, their best frames kept as photos."""

    name = "videos"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from videos import signals  # noqa: F401  (connects the receivers)
