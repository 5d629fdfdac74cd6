from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResourcesConfig(AppConfig):
    name = "shegong.resources"
    label = "resources"
    verbose_name = _("Resources and funds")

    def ready(self) -> None:
        # Registers the person-page and station-page panels and the timeline provider.
        from . import panel_views  # noqa: F401
