from django.apps import AppConfig


class DepartmentsConfig(AppConfig):
    name = "departments"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from departments import signals  # noqa: F401  (connects the receivers)
