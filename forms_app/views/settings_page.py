"""The signed-in user's account: who they are, their role, where admins manage users, and the
user's token for the headless API."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe
from rest_framework.authtoken.models import Token

from forms_app.api.keys import api_token_issue, api_token_revoke
from forms_app.models import CURRENCIES
from forms_app.permissions import Role, admin_required, inbox_required, user_roles
from forms_app.workspace.workspace_settings import (
    workspace_settings_get,
    workspace_settings_update,
)

# The new key is shown once, on the page the issue redirects to; then only its last characters.
NEW_TOKEN_SESSION_KEY = "formscore_new_api_token"

ROLE_DESCRIPTIONS = {
    Role.ADMIN: "Everything, including users, roles and the admin site.",
    Role.MARKETER: "Builds forms, sets thresholds and points, trains and activates models.",
    Role.SALES: "Works the leads routed to them in the inbox.",
}


@never_cache  # shows a new API token once
@require_safe
@inbox_required  # any role: it is the user's own account
def account_settings(request: HttpRequest) -> HttpResponse:
    roles = user_roles(request.user)
    return render(
        request,
        "forms_app/workspace/account_settings.html",
        {
            "nav": "settings",
            "roles": [(role, ROLE_DESCRIPTIONS[role]) for role in Role if role in roles],
            "is_admin": Role.ADMIN in roles,
            "token": Token.objects.filter(user=request.user).first(),
            "new_token": request.session.pop(NEW_TOKEN_SESSION_KEY, None),
            "workspace": workspace_settings_get() if Role.ADMIN in roles else None,
            "currencies": [(code, name) for code, (name, _, _) in CURRENCIES.items()],
        },
    )


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
