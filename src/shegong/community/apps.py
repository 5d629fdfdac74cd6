from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunityConfig(AppConfig):
    name = "shegong.community"
    label = "community"
    verbose_name = _("Community work")

    def ready(self) -> None:
        # The view modules register their panels (core.panels) and timeline events.
        from . import (  # noqa: F401
            activity_views,
            pairing_views,
            request_views,
            volunteer_views,
        )
