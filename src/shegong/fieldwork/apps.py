from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FieldworkConfig(AppConfig):
    name = "shegong.fieldwork"
    label = "fieldwork"
    verbose_name = _("Field work")

    def ready(self) -> None:
        from shegong.people import timeline

        from .timeline import visit_events

        timeline.register(visit_events)
        # The view modules register their start-page and person-page panels (core.panels).
        from . import alert_views, assessment_views, case_views, referral_views  # noqa: F401
