from django.http import HttpRequest

from forms_app.permissions import can_use_workspace, is_admin


def workspace_access(request: HttpRequest) -> dict[str, bool]:
    """Lets the shared layout show the workspace navigation only to those who may use it."""
    return {
        "can_use_workspace": can_use_workspace(request.user),
        "can_use_privacy": is_admin(request.user),
        "can_manage_team": is_admin(request.user),
    }
