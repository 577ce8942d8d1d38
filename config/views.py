"""Error views: the API answers in JSON, pages in HTML, and a busy database is a 503.

Django calls these for errors no view handled (``handler400/404/500`` in config/urls.py):
an address under ``/api/`` that matches no endpoint, a request Django refuses before any view
(a bad Host header, a body over the size limits), and an exception that escaped a view or a
middleware. A database that gave up waiting for a lock (config.db) is not a server error:
the user is told to try again in a moment (503, ``Retry-After``).

A 404 page says why only in the project's own (translated) words: Django's
``get_object_or_404`` message ("No Delegation matches the given query.") is English and names
a model, so it is never shown; the pages raise ``Http404`` through :func:`object_or_404` with
a message of their own.
"""

import re
import sys

from django.http import Http404, JsonResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views import defaults

from config import db


def _is_api(request) -> bool:
    return request.path_info.startswith("/api/")


def bad_request(request, exception):
    if _is_api(request):
        return JsonResponse({"detail": _("The request could not be understood.")}, status=400)
    return defaults.bad_request(request, exception)


# Messages Django itself puts in an Http404, in English: never shown to the user.
_DJANGO_404_MESSAGES = (re.compile(r"^No \S+ matches the given query\.$"),)


def object_or_404(queryset, message, **lookup):
    """``get_object_or_404`` with the page's own message (translated) instead of Django's."""
    try:
        return queryset.get(**lookup)
    except queryset.model.DoesNotExist:
        raise Http404(message)


def not_found_message(exception) -> str:
    """What the 404 page may say about ``exception``: the message a view raised, unless it
    is one of Django's own English ones (or none at all)."""
    message = exception.args[0] if exception is not None and exception.args else ""
    if not isinstance(message, str) or any(p.match(message) for p in _DJANGO_404_MESSAGES):
        return ""
    return message


def page_not_found(request, exception):
    if _is_api(request):
        return JsonResponse({"detail": _("No API endpoint at this address.")}, status=404)
    response = TemplateResponse(
        request, "404.html", {"message": not_found_message(exception)}, status=404
    )
    return response.render()


def server_error(request):
    exc = sys.exc_info()[1]
    if db.is_busy(exc):
        if _is_api(request):
            response = JsonResponse({"detail": db.busy_message(), "code": "busy"}, status=503)
        else:
            response = TemplateResponse(request, "503.html", {"message": db.busy_message()}, status=503)
            response.render()
        response["Retry-After"] = str(db.RETRY_AFTER_SECONDS)
        return response
    if _is_api(request):
        return JsonResponse({"detail": _("Server error.")}, status=500)
    return defaults.server_error(request)
