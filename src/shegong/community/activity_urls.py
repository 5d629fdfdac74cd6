"""Routes of the activity and group pages (included by community/urls.py, app "community")."""

from django.urls import path

from . import activity_photo_views as photos
from . import activity_views as activities
from . import group_views as groups

urlpatterns = [
    path("activities/", activities.activity_list, name="activity_list"),
    path("activities/new/", activities.activity_new, name="activity_new"),
    path("activities/<int:pk>/", activities.activity_detail, name="activity_detail"),
    path("activities/<int:pk>/edit/", activities.activity_edit, name="activity_edit"),
    path("activities/<int:pk>/search/", activities.checkin_search, name="checkin_search"),
    path("activities/<int:pk>/checkin/", activities.checkin, name="checkin"),
    path("activities/<int:pk>/checkout/", activities.checkout, name="checkout"),
    path("activities/<int:pk>/headcount/", activities.headcount, name="headcount"),
    path("activities/<int:pk>/photos/", photos.activity_photos, name="activity_photos"),
    path("activities/photos/<int:pk>/", photos.photo_file, name="activity_photo"),
    path("activities/photos/<int:pk>/thumb/", photos.photo_thumb, name="activity_photo_thumb"),
    path("activities/photos/<int:pk>/delete/", photos.photo_delete, name="activity_photo_delete"),
    path("groups/", groups.group_list, name="group_list"),
    path("groups/new/", groups.group_new, name="group_new"),
    path("groups/<int:pk>/", groups.group_detail, name="group_detail"),
    path("groups/<int:pk>/edit/", groups.group_edit, name="group_edit"),
    path("groups/<int:pk>/phase/", groups.group_phase, name="group_phase"),
    path("groups/<int:pk>/members/search/", groups.member_search, name="member_search"),
    path("groups/<int:pk>/members/add/", groups.member_add, name="member_add"),
    path("groups/<int:pk>/members/remove/", groups.member_remove, name="member_remove"),
    path("groups/<int:pk>/scores/", groups.group_scores, name="group_scores"),
    path("groups/<int:pk>/sessions/new/", groups.session_new, name="session_new"),
    path("groups/sessions/<int:pk>/", groups.session_detail, name="session_detail"),
    path("groups/sessions/<int:pk>/edit/", groups.session_edit, name="session_edit"),
]
