"""The call pages (镇呼县应): filing a call (from a territorial row of the township's page or
the checker's result), "my calls" for a township, the department's queue, the office's
overview (calls per department — answered in time, overdue, median time to act — and the
calls on no list with a route form), one call with its history, and the steps posted from them.

Thin layer: the rules are ``delegations.calls.services`` and ``delegations.calls.access``; a
refused step comes back as a message on the page it was posted from. URLs in
``delegations.calls.urls`` (``/calls/…``)."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from delegations.calls import access as call_access
from delegations.calls import services
from delegations.calls.forms import STEP_FORMS, CallForm, county_departments, form_for
from delegations.calls.models import AWAITING_REPORT, Call
from delegations.flags.charts import bar_chart
from delegations.transitions import WorkflowError
from duties.models import DutyItem, ListEntry
from townships import access
from townships.models import County

LIST_LENGTH = 50
STEP_LABELS = {
    "accept": gettext_lazy("Accept"), "report": gettext_lazy("Report what was done"),
    "confirm": gettext_lazy("Confirm"), "reopen": gettext_lazy("Reopen"),
    "route": gettext_lazy("Route"),
}
SUCCESS = {
    "accept": gettext_lazy("The call was accepted."),
    "report": gettext_lazy("Your report was sent to the township."),
    "confirm": gettext_lazy("The call is confirmed as done."),
    "reopen": gettext_lazy("The call was reopened."),
    "route": gettext_lazy("The call was routed to the department."),
}


def _with_steps(user, calls, now):
    """Each call with the forms of the steps ``user`` may take on it, and its overdue mark
    (the route forms' departments read once per county, not once per call)."""
    departments = {}
    for call in calls:
        steps = [s for s in ("route", "accept", "report", "confirm", "reopen")
                 if call_access.can(user, s, call)]
        if "route" in steps and call.county_id not in departments:
            departments[call.county_id] = county_departments(call.county_id)
        call.step_forms = [
            {"step": step, "label": STEP_LABELS[step],
             "form": form_for(step, call, departments=departments.get(call.county_id))}
            for step in steps
        ]
        call.overdue = call.is_overdue(now)
    return calls


def _due_key(call):
    """Sort key: the deadline as a moment (a normal call's day ends at its midnight)."""
    if call.due_at is not None:
        return call.due_at
    if call.due_on is not None:
        return timezone.make_aware(datetime.datetime.combine(call.due_on, datetime.time.max))
    return timezone.make_aware(datetime.datetime.max - datetime.timedelta(days=2))


@login_required
def call_list(request):
    """What the user's role works with: a township's calls, a department's queue, the
    office's overview."""
    user = request.user
    role = access.role_of(user)
    now = timezone.now()
    visible = services.shown(call_access.visible(user))  # 403 for an account without a role
    context = {"role": role, "now": now, "today": timezone.localdate(now),
               "waiting": services.waiting_for(user, now)}
    if role == access.TOWNSHIP:
        rows = list(visible.order_by("-filed_at", "-id")[:LIST_LENGTH])
        context["to_confirm"] = _with_steps(user, [c for c in rows if c.status == Call.Status.REPORTED], now)
        context["rows"] = _with_steps(user, [c for c in rows if c.status != Call.Status.REPORTED], now)
        context["township"] = access.township_of(user)
        return render(request, "calls/township.html", context)
    if role == access.DEPARTMENT:
        department = access.department_of(user)
        own = visible.filter(lead_department=department)
        waiting = sorted(own.filter(status__in=AWAITING_REPORT), key=_due_key)
        context["waiting_rows"] = _with_steps(user, waiting, now)
        context["done_rows"] = _with_steps(user, list(
            own.exclude(status__in=AWAITING_REPORT).order_by("-reported_at", "-id")[:LIST_LENGTH]), now)
        context["cooperating_rows"] = _with_steps(user, list(
            visible.exclude(lead_department=department).order_by("-filed_at", "-id")[:LIST_LENGTH]), now)
        context["department"] = department
        return render(request, "calls/department.html", context)
    return _office_overview(request, visible, context)


def _office_county(request):
    limit = access.office_county_id(request.user)
    if limit is not None:
        return County.objects.get(pk=limit)
    code = request.GET.get("county", "").strip()
    if code:
        county = County.objects.filter(code=code).first()
        if county is None:
            raise Http404(_("No county has the code %(code)s.") % {"code": code})
        return county
    return County.objects.order_by("code").first()


def _office_overview(request, visible, context):
    user, now = request.user, context["now"]
    county = _office_county(request)
    if county is None:
        return render(request, "calls/office.html", {**context, "county": None})
    in_county = visible.filter(county=county)
    figures = services.department_figures(county, now)
    base = reverse("requests:calls:list")

    def link(**params):
        return base + "?" + urlencode({"county": county.code, **params})

    def chart(rows):
        return bar_chart([(f.department.name, value, link(department=f.department.code))
                          for f, value in rows if value])

    wanted_department = request.GET.get("department", "").strip()
    wanted_overdue = request.GET.get("overdue", "") == "true"
    listed = in_county.exclude(status=Call.Status.AT_OFFICE)
    if wanted_department:
        listed = listed.filter(lead_department__code=wanted_department)
    if wanted_overdue:
        listed = listed.filter(services.overdue_q(now))
    context.update({
        "county": county,
        "counties": County.objects.order_by("code") if access.office_county_id(user) is None else [],
        "figures": figures,
        "in_time_chart": chart((f, f.in_time) for f in figures),
        "overdue_chart": bar_chart([(f.department.name, f.overdue,
                                     link(department=f.department.code, overdue="true"))
                                    for f in figures if f.overdue], width=720),
        "median_chart": bar_chart([(f.department.name, f.median_days, link(department=f.department.code))
                                   for f in figures if f.median_days is not None]),
        "unrouted": _with_steps(user, list(
            in_county.filter(status=Call.Status.AT_OFFICE).order_by("filed_at", "id")[:LIST_LENGTH]), now),
        "rows": _with_steps(user, list(listed.order_by("-filed_at", "-id")[:LIST_LENGTH]), now),
        "wanted_department": wanted_department,
        "wanted_overdue": wanted_overdue,
    })
    return render(request, "calls/office.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def call_new(request):
    """A township files a call: about ``?entry=`` (a territorial row), ``?item=`` or nothing
    on any list."""
    township = call_access.require_filer(request.user)  # NotAllowed: the 403 page
    source = request.POST if request.method == "POST" else request.GET
    entry = item = None
    entry_id, item_id = source.get("entry", ""), source.get("item", "")
    if entry_id.isdigit():
        entry = ListEntry.objects.filter(pk=entry_id, item__county_id=township.county_id).select_related(
            "item", "lead_department").first()
        if entry is None:
            raise Http404(_("No list entry of your county has this id."))
        item = entry.item
    elif item_id.isdigit():
        item = DutyItem.objects.filter(pk=item_id, county_id=township.county_id).first()
        if item is None:
            raise Http404(_("No item of your county has this id."))
    listed = None
    if entry is not None and entry.kind == "territorial" and ListEntry.objects.filter(
        pk=entry.pk
    ).in_force(timezone.localdate()).covering(township).exists():
        listed = entry
    elif item is not None:
        listed = services.territorial_entry(township, item)
    form = CallForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                call = services.file_call(
                    request.user, entry=entry, item=item if entry is None else None,
                    found=data["found"], place=data["place"], found_at=data["found_at"],
                    urgency=data["urgency"],
                )
            except WorkflowError as error:
                for field, errors in getattr(error, "message_dict", {"__all__": error.messages}).items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                if call.lead_department_id:
                    messages.success(request, _("Your call went to %(department)s, due %(due)s.")
                                     % {"department": call.lead_department.name,
                                        "due": services.format_due(call)})
                else:
                    messages.success(request, _("Your call went to the compilation office, "
                                                "which names the department to act."))
                return redirect("requests:calls:detail", call.pk)
        status = 400
    return render(request, "calls/new.html", {
        "form": form, "township": township, "entry": entry, "item": item, "listed": listed,
        "days": services.deadline_working_days(), "hours": services.urgent_deadline_hours(),
    }, status=status)


@login_required
def call_detail(request, pk):
    """One call with its history and the forms of the steps the user may take."""
    call = services.shown(call_access.visible(request.user)).filter(pk=pk).first()
    if call is None:
        raise Http404(_("There is no call no. %(id)s, or you may not see it.") % {"id": pk})
    now = timezone.now()
    _with_steps(request.user, [call], now)
    return render(request, "calls/detail.html", {
        "call": call, "steps": services.steps_of(call), "now": now,
        "role": access.role_of(request.user),
    })


@login_required
@require_POST
def call_step(request, pk, step):
    """A step posted from a call page: the service decides; back to where it was posted."""
    if step not in STEP_FORMS:
        raise Http404(_("Unknown step."))
    call = call_access.visible(request.user).select_related("county", "township").filter(pk=pk).first()
    if call is None:
        raise Http404(_("There is no call no. %(id)s, or you may not see it.") % {"id": pk})
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        back = ""
    back = back or reverse("requests:calls:detail", args=[call.pk])
    form = form_for(step, call, request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(
            f"{form.fields[name].label}：{' '.join(errors)}" if name in form.fields
            else " ".join(errors) for name, errors in form.errors.items()))
        return redirect(back)
    data = form.cleaned_data
    try:
        if step == "route":
            services.route(request.user, call, department=data["department"], note=data["note"])
        elif step == "accept":
            services.accept(request.user, call, note=data["note"])
        elif step == "report":
            services.report(request.user, call, report=data["report"])
        elif step == "confirm":
            services.confirm(request.user, call, note=data["note"])
        else:
            services.reopen(request.user, call, reason=data["reason"])
    except WorkflowError as error:
        messages.error(request, " ".join(error.messages))
    except PermissionDenied as error:
        messages.error(request, str(error))
    else:
        messages.success(request, SUCCESS[step])
    return redirect(back)
