"""The signed-in user's account: who they are, their role, their password, their rep profile
(the name and booking link prospects see), and the user's token for the headless API."""

from django import forms
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe
from rest_framework.authtoken.models import Token

from forms_app.api.keys import api_token_issue, api_token_revoke
from forms_app.models import CURRENCIES, RepProfile
from forms_app.models.text import ControlCharactersRefused
from forms_app.permissions import Role, admin_required, inbox_required, user_roles
from forms_app.sales.reps import rep_profile_update
from forms_app.team.members import ROLE_DESCRIPTIONS, user_password_change, user_role
from forms_app.workspace.workspace_settings import (
    workspace_settings_get,
    workspace_settings_update,
)

# The new key is shown once, on the page the issue redirects to; then only its last characters.
NEW_TOKEN_SESSION_KEY = "formscore_new_api_token"


class RepProfileOwnForm(ControlCharactersRefused, forms.Form):
    display_name = forms.CharField(
        label="Display name", max_length=120, help_text="Prospects and colleagues see this name."
    )
    booking_url = forms.URLField(
        label="Booking link",
        required=False,
        max_length=200,
        assume_scheme="https",
        help_text="Sales-ready prospects get a button to book a meeting here.",
    )


class OwnPasswordForm(PasswordChangeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = "Current password"
        self.fields["new_password2"].label = "New password, again"


def _rep_profile(user) -> RepProfile | None:
    return RepProfile.objects.filter(user=user).first()


def _is_rep(user, roles: set[Role], profile: RepProfile | None) -> bool:
    return profile is not None or roles == {Role.SALES}


def _page(
    request: HttpRequest,
    *,
    password_form: OwnPasswordForm | None = None,
    profile_form: RepProfileOwnForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    roles = user_roles(user)
    profile = _rep_profile(user)
    if profile_form is None and _is_rep(user, roles, profile):
        profile_form = RepProfileOwnForm(
            initial={
                "display_name": profile.display_name if profile else user.get_full_name(),
                "booking_url": profile.booking_url if profile else "",
            }
        )
    return render(
        request,
        "forms_app/workspace/account_settings.html",
        {
            "nav": "settings",
            "tab": "account",
            # One role, as the Team page sets it (an admin holds the others' rights too).
            "roles": [(role, ROLE_DESCRIPTIONS[role])] if (role := user_role(user)) else [],
            "is_admin": Role.ADMIN in roles,
            "token": Token.objects.filter(user=user).first(),
            "new_token": request.session.pop(NEW_TOKEN_SESSION_KEY, None),
            "password_form": password_form or OwnPasswordForm(user),
            "profile_form": profile_form,
            "workspace": workspace_settings_get() if Role.ADMIN in roles else None,
            "currencies": [(code, name) for code, (name, _, _) in CURRENCIES.items()],
        },
        status=status,
    )


@never_cache  # shows a new API token once
@require_safe
@inbox_required  # any role: it is the user's own account
def account_settings(request: HttpRequest) -> HttpResponse:
    return _page(request)


@require_POST
@inbox_required
def password_change(request: HttpRequest) -> HttpResponse:
    form = OwnPasswordForm(request.user, request.POST)
    if not form.is_valid():
        return _page(request, password_form=form, status=422)
    user_password_change(user=request.user, new_password=form.cleaned_data["new_password1"])
    update_session_auth_hash(request, request.user)  # stay logged in here; other sessions end
    messages.success(request, "Password changed. Your other sessions are logged out.")
    return redirect("forms_app:account_settings")


@require_POST
@inbox_required
def profile_update(request: HttpRequest) -> HttpResponse:
    if not _is_rep(request.user, user_roles(request.user), _rep_profile(request.user)):
        messages.error(request, "Only sales reps have a profile prospects see.")
        return redirect("forms_app:account_settings")
    form = RepProfileOwnForm(request.POST)
    if not form.is_valid():
        return _page(request, profile_form=form, status=422)
    rep_profile_update(user=request.user, **form.cleaned_data)
    messages.success(request, "Profile saved: prospects see your new name and booking link.")
    return redirect("forms_app:account_settings")


@require_POST
@inbox_required
def api_token_update(request: HttpRequest) -> HttpResponse:
    if request.POST.get("action") == "revoke":
        if api_token_revoke(user=request.user):
            messages.success(request, "API token revoked: calls made with it are now refused.")
    else:
        request.session[NEW_TOKEN_SESSION_KEY] = api_token_issue(user=request.user).key
    return redirect("forms_app:account_settings")


@require_POST
@admin_required
def workspace_settings_view(request: HttpRequest) -> HttpResponse:
    try:
        settings = workspace_settings_update(currency=request.POST.get("currency", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Amounts are now shown in {settings.currency}.")
    return redirect("forms_app:account_settings")
