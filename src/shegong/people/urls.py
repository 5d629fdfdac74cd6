from django.urls import path

from . import views

app_name = "people"
urlpatterns = [
    path("people/", views.person_list, name="list"),
    path("people/new/", views.person_new, name="new"),
    path("people/<int:pk>/", views.person_detail, name="detail"),
    path("people/<int:pk>/edit/", views.person_edit, name="edit"),
    path("people/<int:pk>/reveal/", views.person_reveal, name="reveal"),
    path("people/<int:pk>/categories/", views.category_add, name="category_add"),
    path("people/memberships/<int:pk>/end/", views.membership_end, name="membership_end"),
    path("people/<int:pk>/risk/", views.risk_set, name="risk"),
    path("people/<int:pk>/consents/", views.consent_add, name="consent_add"),
    path("people/<int:pk>/status/", views.status_set, name="status"),
    path("people/<int:pk>/household/", views.household_set, name="household"),
    path("people/<int:pk>/guardian/", views.guardian_set, name="guardian"),
    path("people/<int:pk>/handover/", views.person_handover, name="handover"),
]
