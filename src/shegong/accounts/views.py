"""Login, staff accounts and roles, API tokens, the audit log."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from shegong.core.forms import attach_errors
from shegong.core.models import scope_of
from shegong.core.perms import ACCOUNT_SELF, API_TOKENS, AUDIT_VIEW, STAFF_MANAGE, STAFF_VIEW
from shegong.core.views import render_page, requires
from shegong.regions.models import Post

from . import selectors, services
from .forms import (
    AuditFilterForm,
    GrantRoleForm,
    LoginForm,
    PasswordForm,
    StaffAccountForm,
    StaffEditForm,
    TokenForm,
)
from .roles import Role

login_view = login_not_required(
    auth_views.LoginView.as_view(
        authentication_form=LoginForm,
        template_name="accounts/login.html",
        redirect_authenticated_user=True,
    )
)
logout_view = auth_views.LogoutView.as_view()
logout_view.shegong_perm = ACCOUNT_SELF  # type: ignore[attr-defined]


@requires(ACCOUNT_SELF)
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    form = PasswordForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.change_password(
                actor=request.user,
                user=request.user,  # type: ignore[arg-type]
                new_password=form.cleaned_data["new_password1"],
            )
        except ValidationError as e:
            attach_errors(form, e)
        else:
            update_session_auth_hash(request, user)  # keep this session, end all others
            messages.success(request, _("Your password was changed. Other sessions have ended."))
            return redirect("home")
    return render_page(
        request, "accounts/password_form.html", {"form": form}, status=422 if form.errors else 200
    )


@requires(STAFF_VIEW)
def staff_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    role = request.GET.get("role", "")
    staff = selectors.staff_for(
        request.user,
        q=q,
        station_code=request.GET.get("station", ""),
        role=role if role in Role.values else "",
    )
    page = Paginator(staff, 50).get_page(request.GET.get("page"))
    return render_page(
        request,
        "accounts/staff_list.html",
        {
            "page": page,
            "q": q,
            "role": role,
            "roles": Role.choices,
            "can_create": bool(scope_of(request.user, STAFF_MANAGE)),
        },
        partial="results",
    )


@requires(STAFF_MANAGE)
@require_http_methods(["GET", "POST"])
def staff_new(request: HttpRequest) -> HttpResponse:
    initial = {"station": request.GET.get("station_id")} if request.GET.get("station_id") else {}
    form = StaffAccountForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            account = services.create_staff_account(
                actor=request.user,
                username=d["username"],
                password=d["password1"],
                full_name=d["full_name"],
                role=d["role"],
                station=d["station"],
                region=d["region_code"],
                phone=d["phone"],
                certificate_level=d["certificate_level"],
                certificate_number=d["certificate_number"],
                certificate_date=d["certificate_date"],
                joined_on=d["joined_on"],
            )
        except ValidationError as e:
            attach_errors(form, e)
        else:
            messages.success(request, _("Account “%(name)s” created.") % {"name": account.username})
            return redirect("accounts:staff", pk=account.staff_member.pk)
    return render_page(
        request,
        "accounts/staff_form.html",
        {"form": form, "new": True},
        status=422 if form.errors else 200,
    )


@requires(STAFF_VIEW)
def staff_detail(request: HttpRequest, pk: int) -> HttpResponse:
    staff = selectors.get_staff_for(request.user, pk)
    account = staff.user
    can_manage = scope_of(request.user, STAFF_MANAGE).contains(staff.region_id)
    return render_page(
        request,
        "accounts/staff_detail.html",
        {
            "staff": staff,
            "account": account,
            "posts": Post.objects.filter(staff=staff).select_related("station"),
            "assignments": selectors.assignments_of(account) if account else [],
            "can_manage": can_manage and account is not None and account.pk != request.user.pk,
            "grant_form": GrantRoleForm(user=request.user) if can_manage else None,
        },
    )


@requires(STAFF_MANAGE)
@require_http_methods(["GET", "POST"])
def staff_edit(request: HttpRequest, pk: int) -> HttpResponse:
    staff = selectors.get_staff_for(request.user, pk, STAFF_MANAGE)
    form = StaffEditForm(request.POST or None, instance=staff)
    if request.method == "POST" and form.is_valid():
        fields = {f: form.cleaned_data[f] for f in StaffEditForm.Meta.fields}
        try:
            staff.refresh_from_db()
            services.update_staff(actor=request.user, staff=staff, **fields)
        except ValidationError as e:
            attach_errors(form, e)
        else:
            return redirect("accounts:staff", pk=staff.pk)
    return render_page(
        request,
        "accounts/staff_form.html",
        {"form": form, "staff": staff},
        status=422 if form.errors else 200,
    )


@requires(STAFF_MANAGE)
@require_POST
def role_grant(request: HttpRequest, pk: int) -> HttpResponse:
    staff = selectors.get_staff_for(request.user, pk, STAFF_MANAGE)
    form = GrantRoleForm(request.POST, user=request.user)
    if staff.user and form.is_valid():
        d = form.cleaned_data
        try:
            services.grant_role(
                actor=request.user,
                user=staff.user,
                role=d["role"],
                station=d["station"],
                region=d["region_code"],
            )
        except ValidationError as e:
            attach_errors(form, e)
    if form.errors:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
    else:
        messages.success(request, _("Role granted."))
    return redirect("accounts:staff", pk=staff.pk)


@requires(STAFF_MANAGE)
@require_POST
def role_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = selectors.get_assignment_for(request.user, pk, STAFF_MANAGE)
    try:
        services.revoke_role(actor=request.user, assignment=assignment)
        messages.success(request, _("Role ended."))
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    staff = assignment.user.staff_member
    return redirect("accounts:staff", pk=staff.pk)


@requires(STAFF_MANAGE)
@require_POST
def account_active(request: HttpRequest, pk: int) -> HttpResponse:
    account = selectors.get_account_for(request.user, pk, STAFF_MANAGE)
    active = request.POST.get("active") == "1"
    try:
        services.set_active(actor=request.user, user=account, active=active)
        messages.success(request, _("Account enabled.") if active else _("Account disabled."))
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    return redirect("accounts:staff", pk=account.staff_member.pk)


@requires(API_TOKENS)
@require_http_methods(["GET", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    secret = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, secret = services.issue_api_token(
                actor=request.user, name=form.cleaned_data["name"], days=form.cleaned_data["days"]
            )
        except ValidationError as e:
            attach_errors(form, e)
        else:
            form = TokenForm()
    return render_page(
        request,
        "accounts/token_list.html",
        {"form": form, "secret": secret, "tokens": selectors.tokens_of(request.user)},
    )


@requires(API_TOKENS)
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = selectors.get_token_for(request.user, pk)
    services.revoke_api_token(actor=request.user, token=token)
    messages.success(request, _("Token revoked."))
    return redirect("accounts:tokens")


@requires(AUDIT_VIEW)
def audit_list(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    events = selectors.audit_events_for(request.user, **{k: v for k, v in filters.items() if v})
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render_page(
        request, "accounts/audit_list.html", {"form": form, "page": page}, partial="results"
    )
