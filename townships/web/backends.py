"""Login throttling (django-axes) for the web login page."""

from axes.backends import AxesStandaloneBackend


class LoginThrottleBackend(AxesStandaloneBackend):
    """Refuses logins from a client locked out after too many failures (django-axes).

    Throttling needs the request (client address, form data). Logins made without one — the
    test client's ``login()``, a shell — have no client to throttle and are passed on to the
    next backend instead of failing, as ``AxesStandaloneBackend`` would.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
