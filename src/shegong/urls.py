from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog, set_language

from shegong.core.views import healthz
from shegong.people.export_views import export as people_export
from shegong.regions.views import home

from .api import api_urls

urlpatterns = [
    path("", home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("i18n/js/", login_not_required(JavaScriptCatalog.as_view()), name="javascript-catalog"),
    path("api/", api_urls()),
    path("people/export/", people_export, name="people_export"),
    path("", include("shegong.accounts.urls")),
    path("", include("shegong.regions.urls")),
    path("", include("shegong.people.import_urls")),
    path("", include("shegong.people.urls")),
    path("", include("shegong.fieldwork.urls")),
    path("", include("shegong.fieldwork.case_urls")),
    path("", include("shegong.fieldwork.referral_urls")),
    path("", include("shegong.fieldwork.alert_urls")),
    path("", include("shegong.fieldwork.assessment_urls")),
    path("", include("shegong.community.urls")),
    path("", include("shegong.resources.urls")),
    path("", include("shegong.people.attachment_urls")),
]
