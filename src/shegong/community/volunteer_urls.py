"""Routes of the volunteer, hours, pairing and "my hours" pages (app_name "community")."""

from django.urls import path

from . import pairing_views, volunteer_self_views, volunteer_views

urlpatterns = [
    path("volunteers/", volunteer_views.volunteer_list, name="volunteer_list"),
    path("volunteers/new/", volunteer_views.volunteer_new, name="volunteer_new"),
    path("volunteers/hours/", volunteer_views.hours_list, name="hours_list"),
    path("volunteers/teams/", volunteer_views.team_list, name="team_list"),
    path("volunteers/teams/new/", volunteer_views.team_new, name="team_new"),
    path("volunteers/<int:pk>/", volunteer_views.volunteer_detail, name="volunteer_detail"),
    path("volunteers/<int:pk>/edit/", volunteer_views.volunteer_edit, name="volunteer_edit"),
    path("volunteers/<int:pk>/reveal/", volunteer_views.volunteer_reveal, name="volunteer_reveal"),
    path("volunteers/<int:pk>/hours/", volunteer_views.hours_add, name="hours_add"),
    path("volunteers/<int:pk>/recognitions/", volunteer_views.recognize, name="recognize"),
    path("volunteers/<int:pk>/login/", volunteer_views.volunteer_login, name="volunteer_login"),
    path("volunteer-hours/<int:pk>/delete/", volunteer_views.hours_delete, name="hours_delete"),
    path("pairings/", pairing_views.pairing_list, name="pairing_list"),
    path("pairings/new/", pairing_views.pairing_new, name="pairing_new"),
    path("pairings/<int:pk>/", pairing_views.pairing_detail, name="pairing_detail"),
    path("pairings/<int:pk>/contacts/", pairing_views.pairing_contact, name="pairing_contact"),
    path("pairings/<int:pk>/end/", pairing_views.pairing_end, name="pairing_end"),
    path("me/volunteer/", volunteer_self_views.my_hours, name="my_hours"),
    path("me/volunteer/hours/", volunteer_self_views.my_hours_add, name="my_hours_add"),
    path("me/volunteer/pairings/<int:pk>/", volunteer_self_views.my_pairing, name="my_pairing"),
    path(
        "me/volunteer/pairings/<int:pk>/contacts/",
        volunteer_self_views.my_pairing_contact,
        name="my_pairing_contact",
    ),
]
