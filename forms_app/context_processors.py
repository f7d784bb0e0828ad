from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from forms_app.permissions import can_use_workspace, is_admin
from forms_app.workspace.workspace_settings import workspace_currency


def workspace_access(request: HttpRequest) -> dict[str, object]:
    """Lets the shared layout show the workspace navigation only to those who may use it; the
    workspace currency for amounts (read only by a page that shows one)."""
    return {
        "can_use_workspace": can_use_workspace(request.user),
        "can_use_privacy": is_admin(request.user),
        "can_manage_team": is_admin(request.user),
        "workspace_currency": SimpleLazyObject(workspace_currency),
    }
