"""E-mail to users about a step, sent once the step's transaction commits, where an e-mail
backend is configured (Django's default, SMTP to localhost, counts as none). The step stands
in the app whatever the mail server says; the home pages count what waits either way. Used by
the cases (correction notices) and the calls."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.db.models import Q

log = logging.getLogger(__name__)


def configured() -> bool:
    """Whether an e-mail backend was set up."""
    return (settings.EMAIL_BACKEND != "django.core.mail.backends.smtp.EmailBackend"
            or settings.EMAIL_HOST != "localhost")


def send_on_commit(who: Q, subject: str, body: str, *, about: str):
    """Mail ``subject``/``body`` to the active users ``who`` selects that have an address,
    after the current transaction commits (``about`` names the step in the log)."""
    from django.contrib.auth import get_user_model

    if not configured():
        return
    addresses = list(get_user_model().objects.filter(who, is_active=True).exclude(email="")
                     .values_list("email", flat=True))
    if not addresses:
        return
    message = (str(subject), str(body), settings.DEFAULT_FROM_EMAIL, addresses)

    def send():
        try:
            send_mass_mail([message], fail_silently=False)
        except Exception:  # the step stands in the app whatever the mail server says
            log.exception("e-mail about %s not sent", about)

    transaction.on_commit(send)
