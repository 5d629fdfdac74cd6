from django.apps import AppConfig
from django.core import checks as django_checks


class CoreConfig(AppConfig):
    name = "shegong.core"
    label = "core"

    def ready(self) -> None:
        # Importing crypto (through checks) also connects its setting_changed receiver.
        from . import checks

        django_checks.register(
            checks.check_keys_configured, django_checks.Tags.security, deploy=True
        )
        django_checks.register(checks.check_keys_valid, django_checks.Tags.security)
