"""Template context every page gets (registered in settings ``TEMPLATES``)."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from townships import access


@dataclass(frozen=True)
class NavLink:
    """One link of the navigation: its label, address and a stable key (``data-nav``)."""

    key: str
    label: str
    url: str


def role_links(user) -> list[NavLink]:
    """The links of the signed-in user's own pages, by role (the home page shows the same):

    - township: its lists, the requests that concern it, the work handed down and its
      reports, the flags on it;
    - department: what it owes the townships, its requests, a new request, its assignments;
    - office: the review queue, every request, the flag dashboard and list, the assignments.
    """
    role = access.role_of(user)
    links = []
    if role == access.TOWNSHIP:
        township = access.township_of(user)
        if township is not None:
            links.append(
                NavLink("lists", _("My township's lists"), reverse("pages:township", args=[township.code]))
            )
        links += [
            NavLink("requests", _("Requests for my township"), reverse("requests:list")),
            NavLink("reports", _("Work handed down and my reports"), reverse("requests:assignment_list")),
            NavLink("flags", _("Flags on my township"), reverse("pages:flag_list")),
        ]
    elif role == access.DEPARTMENT:
        profile = access.profile_of(user)
        if profile.department_id:
            links.append(
                NavLink("owed", _("What we owe"), reverse("requests:department", args=[profile.department_id]))
            )
        links += [
            NavLink("requests", _("My requests"), reverse("requests:list")),
            NavLink("new-request", _("New request"), reverse("requests:create")),
            NavLink("assignments", _("Assignments"), reverse("requests:assignment_list")),
        ]
    elif role == access.OFFICE:
        links += [
            NavLink("review", _("Review queue"), reverse("requests:review_queue")),
            NavLink("requests", _("All requests"), reverse("requests:list")),
            NavLink("dashboard", _("Flag dashboard"), reverse("pages:dashboard")),
            NavLink("flags", _("Flags"), reverse("pages:flag_list")),
            NavLink("assignments", _("Assignments"), reverse("requests:assignment_list")),
        ]
    return links


def nav(request):
    """``nav_role``: the signed-in user's role (office / department / township) for the
    navigation, None for the public; ``nav_links``: the links of the user's own pages
    (``role_links``). Lazy: pages that never show them run no query for them."""

    def signed_in_user():
        user = getattr(request, "user", None)
        return user if user is not None and user.is_authenticated else None

    def role():
        user = signed_in_user()
        return access.role_of(user) if user is not None else None

    def links():
        user = signed_in_user()
        return role_links(user) if user is not None else []

    return {"nav_role": SimpleLazyObject(role), "nav_links": SimpleLazyObject(links)}
