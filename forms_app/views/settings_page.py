"""The signed-in user's account: who they are, their role, and where admins manage users."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from forms_app.permissions import Role, inbox_required, user_roles

ROLE_DESCRIPTIONS = {
    Role.ADMIN: "Everything, including users, roles and the admin site.",
    Role.MARKETER: "Builds forms, sets thresholds and points, trains and activates models.",
    Role.SALES: "Works the leads routed to them in the inbox.",
}


@require_GET
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
        },
    )
