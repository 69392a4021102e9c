"""Who may open which review page: anonymous and disabled people log in, others get 403."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts import roles
from accounts.models import Profile


def forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "review/forbidden.html", {"message": message}, status=403)


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
