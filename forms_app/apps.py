from django.apps import AppConfig


class FormsAppConfig(AppConfig):
    name = "forms_app"
    verbose_name = "Forms and leads"

    def ready(self) -> None:
        from forms_app.capture.form_runtime import settings_watch

        settings_watch()
