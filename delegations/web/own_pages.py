"""The signed-in users' own pages beside the request pages: a department's "what we owe"
(``delegations.web.owed``) and one assignment with the flags it raised (the page shown after
logging it). Thin views: scope from ``townships.access``, flags from
``delegations.web.flag_reads``."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from config.views import object_or_404
from delegations.models import Assignment
from delegations.web import owed
from delegations.web.flag_reads import flags_of_assignment
from townships import access
from townships.models import Department


@login_required
@require_GET
def department_page(request, pk):
    """What the department owes the townships: its own users and the office of its county."""
    department = object_or_404(
        Department.objects.select_related("county"),
        _("No department has the number %(id)s.") % {"id": pk},
        pk=pk,
    )
    if not owed.may_view(request.user, department):
        raise PermissionDenied(_("Only the department itself and the compilation office may open this page."))
    today = timezone.localdate()
    return render(
        request,
        "requests/department.html",
        {
            "department": department,
            "owed": owed.what_department_owes(request.user, department, today),
            "today": today,
            "assignment_limit": owed.ASSIGNMENT_LIMIT,
        },
    )


@login_required
@require_GET
def assignment_detail(request, pk):
    """One assignment the user may see, with the flags it raised (on the townships the user
    may see flags of)."""
    if access.role_of(request.user) == access.PUBLIC:
        raise PermissionDenied(_("This page is not for your role."))
    assignment = object_or_404(
        access.restrict(
            request.user,
            Assignment.objects.select_related("department__county", "duty_item", "reporting_township"),
        ),
        _("There is no assignment no. %(id)s, or you may not see it.") % {"id": pk},
        pk=pk,
    )
    return render(
        request,
        "requests/assignment_detail.html",
        {
            "a": assignment,
            "townships": list(assignment.townships.order_by("code")),
            "flags": flags_of_assignment(request.user, assignment),
        },
    )
