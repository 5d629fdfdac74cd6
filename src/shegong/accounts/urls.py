from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("accounts/login/", views.login_view, name="login"),
    path("accounts/logout/", views.logout_view, name="logout"),
    path("accounts/password/", views.password_change, name="password"),
    path("accounts/tokens/", views.token_list, name="tokens"),
    path("accounts/tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("staff/", views.staff_list, name="staff_list"),
    path("staff/new/", views.staff_new, name="staff_new"),
    path("staff/<int:pk>/", views.staff_detail, name="staff"),
    path("staff/<int:pk>/edit/", views.staff_edit, name="staff_edit"),
    path("staff/<int:pk>/roles/", views.role_grant, name="role_grant"),
    path("roles/<int:pk>/revoke/", views.role_revoke, name="role_revoke"),
    path("users/<int:pk>/active/", views.account_active, name="account_active"),
    path("audit/", views.audit_list, name="audit"),
]
