"""Template context every page gets (registered in settings ``TEMPLATES``)."""

from django.utils.functional import SimpleLazyObject

from townships import access


def nav(request):
    """``nav_role``: the signed-in user's role (office / department / township) for the
    navigation, None for the public. Lazy: pages that never show it run no query for it."""

    def role():
        user = getattr(request, "user", None)
        return access.role_of(user) if user is not None and user.is_authenticated else None

    return {"nav_role": SimpleLazyObject(role)}
