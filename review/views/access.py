"""Who may open which review page: anonymous and disabled people log in, others get 403."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts import roles
from accounts.models import Profile
from departments.models import Department
from departments.services.records import require_editor


def forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "review/forbidden.html", {"message": message}, status=403)


def require_record_editor(request: HttpRequest, department: Department | int) -> None:
    """Let only the editors of `department`'s officer record through (its coordinators, administrators).

    The one check of every record page (incidents, links, officers, salaries, roster and headshot
    imports): it asks `departments.services.records.require_editor`, the services' own question,
    and its NotPermitted renders through oversight.middleware as the site's styled 403 page.
    """
    require_editor(request.user, department)


def _awaiting_approval(user) -> bool:
    profile = Profile.objects.filter(user=user).first()
    return profile is not None and not profile.approved


def volunteer_required(view):
    """Volunteers, coordinators and administrators; anyone else logs in or gets 403."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        # A disabled account's session no longer authenticates, so it lands here too.
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not roles.is_volunteer(request.user):
            if _awaiting_approval(request.user):
                return forbidden(request, "Your volunteer account is waiting for an administrator's approval.")
            return forbidden(request, "The review dashboard is for volunteers. Ask an administrator for access.")
        return view(request, *args, **kwargs)

    return wrapper
