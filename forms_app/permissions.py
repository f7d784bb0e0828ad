"""Who may do what: the three roles and the checks every workspace view goes through.

marketer: the workspace (forms, preview, models, routing). sales: their own inbox only.
admin (superuser or the "admin" group): everything. Anonymous users are sent to log in.
"""

from collections.abc import Callable
from enum import StrEnum
from functools import wraps

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse


class Role(StrEnum):
    ADMIN = "admin"
    MARKETER = "marketer"
    SALES = "sales"


def user_roles(user: AbstractBaseUser | AnonymousUser) -> set[Role]:
    if not user.is_authenticated:
        return set()
    if user.is_superuser:
        return set(Role)
    cached = getattr(user, "_formscore_roles", None)
    if cached is None:
        names = set(user.groups.values_list("name", flat=True))
        cached = {role for role in Role if role.value in names}
        if Role.ADMIN in cached:
            cached = set(Role)
        user._formscore_roles = cached
    return cached


def can_use_workspace(user) -> bool:
    return bool(user_roles(user) & {Role.ADMIN, Role.MARKETER})


def can_use_inbox(user) -> bool:
    return bool(user_roles(user))


def is_admin(user) -> bool:
    """Admins alone see and act on a person's data as a whole (the privacy page)."""
    return Role.ADMIN in user_roles(user)


def is_sales_manager(user) -> bool:
    """Managers (admins and marketers) see every lead in the inbox; reps see their own."""
    return can_use_workspace(user)


def _require(check: Callable[[object], bool]):
    def decorator(view):
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not check(request.user):
                raise PermissionDenied("Your role does not give access to this page.")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


workspace_required = _require(can_use_workspace)
inbox_required = _require(can_use_inbox)
admin_required = _require(is_admin)
