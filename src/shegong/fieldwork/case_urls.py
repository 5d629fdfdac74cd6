from django.urls import path

from . import case_action_views as actions
from . import case_attachment_views as files
from . import case_views as views

app_name = "cases"
urlpatterns = [
    path("cases/", views.case_list, name="list"),
    path("cases/new/", views.case_new, name="new"),
    path("cases/<int:pk>/", views.case_detail, name="detail"),
    path("cases/<int:pk>/advance/", actions.advance, name="advance"),
    path("cases/<int:pk>/services/", actions.services, name="services"),
    path("cases/<int:pk>/notes/", actions.notes, name="notes"),
    path("cases/<int:pk>/closure/", actions.closure, name="closure"),
    path("cases/<int:pk>/sign-off/", actions.sign_off, name="sign_off"),
    path("cases/<int:pk>/reopen/", actions.reopen, name="reopen"),
    path("cases/<int:pk>/transfer-worker/", actions.transfer_worker, name="transfer_worker"),
    path("cases/<int:pk>/transfer-station/", actions.transfer_station, name="transfer_station"),
    path("cases/<int:pk>/attachments/", files.case_attachments, name="attachments"),
    path("case-attachments/<int:pk>/", files.attachment_file, name="attachment_file"),
    path("case-attachments/<int:pk>/thumb/", files.attachment_thumb, name="attachment_thumb"),
    path("case-attachments/<int:pk>/delete/", files.attachment_delete, name="attachment_delete"),
    path("case-transfers/<int:pk>/answer/", actions.answer_transfer, name="answer_transfer"),
]
