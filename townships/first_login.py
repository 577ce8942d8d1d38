"""One-time passwords: the password change forced at the first login.

A password someone else set — the accounts the office creates (``townships.accounts``), a
password it resets, a password set in the admin's "change password" form for another user —
is a one-time password: the profile's ``must_change_password`` is set. Until the user changes
it, every page leads to the password change page and the API refuses the user with a 403
(``FirstLoginMiddleware``). The flag clears when the user sets a new password
(``password_saved``: any ``set_password`` followed by a save, which is what Django's password
change pages do), unless that password is itself one-time (``set_one_time_password``).
A password hash upgraded at login is not a change (Django says so) and keeps the flag.
"""

from __future__ import annotations

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from townships import access

# Set on a user instance before saving it: the password just set is a one-time password.
ONE_TIME_ATTRIBUTE = "_qingdan_one_time_password"

API_PREFIX = "/api/"
ADMIN_PREFIX = "/admin/"


def set_one_time_password(user, raw_password) -> None:
    """Set ``raw_password`` (hashed) as a one-time password; saving ``user`` flags its
    profile (``password_saved``)."""
    user.set_password(raw_password)
    setattr(user, ONE_TIME_ATTRIBUTE, True)


def must_change_password(user) -> bool:
    profile = access.profile_of(user)
    return bool(profile is not None and profile.must_change_password)


def require_password_change(user) -> None:
    """Flag ``user``'s profile: its current password is one-time."""
    from townships.models import Profile

    Profile.objects.filter(user_id=user.pk).update(must_change_password=True)


def password_saved(sender, instance, raw=False, **kwargs):
    """post_save of the user model: a password was set (``set_password`` then ``save``):
    flag the profile if it is one-time, clear the flag otherwise."""
    from townships.models import Profile

    if raw or getattr(instance, "_password", None) is None:
        return
    one_time = bool(getattr(instance, ONE_TIME_ATTRIBUTE, False))
    Profile.objects.filter(user_id=instance.pk).exclude(
        must_change_password=one_time
    ).update(must_change_password=one_time)
    if hasattr(instance, ONE_TIME_ATTRIBUTE):
        delattr(instance, ONE_TIME_ATTRIBUTE)


def api_refusal_message() -> str:
    return _(
        "This account still has its one-time password: log in on the web page and change the "
        "password first."
    )


class FirstLoginMiddleware:
    """Send a signed-in user whose password is one-time to the password change page (the
    admin's own for admin pages), whatever page it asks for; the API answers 403. The
    password change pages, logout and static files stay reachable."""

    def __init__(self, get_response):
        self.get_response = get_response
        self._allowed = None

    def allowed_paths(self) -> tuple[str, ...]:
        if self._allowed is None:
            self._allowed = tuple(
                reverse(name)
                for name in (
                    "password_change",
                    "logout",
                    "admin:password_change",
                    "admin:password_change_done",
                    "admin:logout",
                )
            )
        return self._allowed

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not self._always_allowed(request)
            and must_change_password(user)
        ):
            if request.path_info.startswith(API_PREFIX):
                return JsonResponse({"detail": api_refusal_message()}, status=403)
            if request.path_info.startswith(ADMIN_PREFIX):
                return redirect("admin:password_change")
            return redirect("password_change")
        return self.get_response(request)

    def _always_allowed(self, request) -> bool:
        static = "/" + settings.STATIC_URL.lstrip("/")
        return request.path_info.startswith(static) or request.path in self.allowed_paths()
