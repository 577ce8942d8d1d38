"""The flag pages: the office dashboard (flags and cases by rule, department and township as SVG
bar charts, ``delegations.dashboard``) and the flag list, grouped by case, that each bar links
to; a list filtered to one case (``?case=<id>``) is that case's page, with its history and the
forms of the steps the user may take. ``?format=xlsx`` exports the list. URLs in
``delegations.flags.urls`` (``/dashboard/``, ``/dashboard/flags/``).

Thin layer: the cases' rules are ``delegations.flags.cases`` and ``case_access``; the filters
``case_filters``; the flags are read from the store (``StoredFlagQuery``)."""

from __future__ import annotations

from collections import defaultdict
from types import SimpleNamespace

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from delegations import dashboard as dashboard_service
from delegations.flags import RULES, FlagFilterError, StoredFlagQuery, case_access, cases
from delegations.flags.case_filters import CaseFilter
from delegations.flags.case_forms import FORMS, form_for
from delegations.flags.charts import bar_chart
from delegations.flags.export import flags_xlsx
from delegations.transitions import WorkflowError
from townships import access
from townships.models import County, Department, Township

PAGE_SIZE = 20
FILTER_PARAMS = ("county", "township", "department", "rule", "severity", "status", "overdue",
                 "opened", "case")


def _flag_list_url(filters: dict) -> str:
    return reverse("pages:flag_list") + "?" + urlencode(filters)


def _office_county(request):
    """The county the dashboard shows: the office user's own, else ?county=, else the first."""
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


def dashboard(request):
    """Flags of a county by rule, by department (most offloading first) and by township, and
    its cases: open and overdue by department and township, opened by month, and the median
    time each department takes to answer a correction notice."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if access.role_of(request.user) != access.OFFICE:
        raise PermissionDenied(_("The dashboard is for the compilation office."))
    county = _office_county(request)
    context = {"county": county}
    if county is not None:
        data = dashboard_service.county_dashboard(county, access.flag_filters(request.user))
        queue = dashboard_service.case_dashboard(county)

        def chart(counts, severity=False):
            return bar_chart(
                (c.label, c.value, _flag_list_url(c.filters), *((c.severity,) if severity else ()))
                for c in counts
            )

        context.update(
            data=data,
            queue=queue,
            rule_chart=chart(data.by_rule, severity=True),
            department_chart=chart(data.by_department),
            township_chart=chart(data.by_township),
            offloading_chart=chart(data.offloading),
            open_department_chart=chart(queue.open_by_department),
            overdue_department_chart=chart(queue.overdue_by_department),
            open_township_chart=chart(queue.open_by_township),
            answer_days_chart=chart(queue.answer_days_by_department),
            month_chart=chart(queue.opened_by_month),
            all_flags_url=_flag_list_url({"county": county.code}),
            open_cases_url=_flag_list_url({"county": county.code, "status": cases.NOT_CLOSED}),
            overdue_cases_url=_flag_list_url({"county": county.code, "overdue": "true"}),
            counties=County.objects.order_by("code")
            if access.office_county_id(request.user) is None
            else [],
        )
    return render(request, "dashboard/dashboard.html", context)


# --------------------------------------------------------------------------- the list


def _scoped_params(user, params) -> dict:
    """The request's filters, the user's scope winning: a township user sees its township, a
    department user its department, a county's office its county, whatever they ask."""
    wanted = {name: params.get(name, "").strip() for name in FILTER_PARAMS}
    scope = access.flag_filters(user)  # PermissionDenied for the public
    if scope.get("township") is not None:
        wanted["township"] = scope["township"].code
    if scope.get("department") is not None:
        wanted["department"] = scope["department"].code
        wanted["county"] = scope["department"].county.code
    if scope.get("county") is not None:
        wanted["county"] = scope["county"].code
    return wanted


def _chips(wanted: dict) -> list[tuple[str, str]]:
    """The filters in force, as Chinese labels and names (never a raw code or parameter)."""
    chips = []
    county = County.objects.filter(code=wanted["county"]).first() if wanted["county"] else None
    if county:
        chips.append((_("County"), county.name))
    if wanted["township"]:
        township = Township.objects.filter(code=wanted["township"]).first()
        chips.append((_("Township"), township.name if township else wanted["township"]))
    if wanted["department"]:
        departments = Department.objects.filter(code=wanted["department"])
        if county:
            departments = departments.filter(county=county)
        chips.append((_("Department"), "、".join(d.name for d in departments[:3])))
    if wanted["rule"]:
        codes = [c.strip().upper() for c in wanted["rule"].split(",")]
        chips.append((_("Problem"), "、".join(str(RULES[c].title) for c in codes if c in RULES)))
    if wanted["severity"]:
        chips.append((_("Severity"), _("error") if wanted["severity"] == "error" else _("warning")))
    if wanted["status"]:
        labels = dict(cases.Status.choices)
        chips.append((_("Status"), "、".join(str(labels.get(s, s))
                                             for s in wanted["status"].split(","))))
    if wanted["overdue"] == "true":
        chips.append((_("Deadline"), _("overdue")))
    if wanted["opened"]:
        chips.append((_("Opened in"), wanted["opened"]))
    return chips


def _cases_of(request, wanted):
    """The cases the list shows, in the queue's order (ValidationError for a bad filter)."""
    params = {k: v for k, v in wanted.items() if v and k != "case"}
    # The filters read codes as the API reads them: from query parameters, of the user.
    asked = SimpleNamespace(user=request.user, query_params=params)
    filterset = CaseFilter(params, queryset=case_access.visible(request.user), request=asked)
    if not filterset.is_valid():
        raise ValidationError(filterset.errors)
    queryset = filterset.qs
    if wanted["case"]:
        if not wanted["case"].isdigit():
            raise ValidationError({"case": [_("Unknown case no. %(id)s.") % {"id": wanted["case"]}]})
        queryset = queryset.filter(pk=int(wanted["case"]))
    return cases.in_queue_order(
        queryset.select_related("county", "department", "township", "assignment",
                                "delegation__department", "list_entry__item", "answer_delegation")
        .prefetch_related("townships")
    )


def _flag_query(request, wanted, case_ids):
    """The findings the list shows of those cases: the user's scope and the filters on flags."""
    scope = access.flag_filters(request.user)
    kwargs = {"rules": wanted["rule"] or None, "severity": wanted["severity"] or None,
              "township": wanted["township"] or None, **scope}
    return StoredFlagQuery(cases=case_ids, **kwargs)


# Filters whose refused value is a word the user did not choose from the page (a rule code, a
# status…): the page names the filter, not the value.
WORDED_FILTERS = ("rule", "severity", "status", "overdue", "opened", "case")


def _error_page(request, error):
    """A filter the page cannot apply: a 400 naming the filter in Chinese."""
    if isinstance(error, FlagFilterError):
        problems = {error.param: [error.message]}
    else:
        problems = getattr(error, "message_dict", None) or {"": error.messages}
    labels = {"county": _("County"), "township": _("Township"), "department": _("Department"),
              "rule": _("Problem"), "severity": _("Severity"), "status": _("Status"),
              "overdue": _("Deadline"), "opened": _("Opened in"), "case": _("Case")}
    lines = []
    for param, messages_ in problems.items():
        if param in WORDED_FILTERS:
            lines.append(_("%(filter)s: this value is not known; choose it from the page.")
                         % {"filter": labels[param]})
        else:
            lines.append("；".join(str(m) for m in messages_))
    return render(request, "dashboard/flags.html", {"error": "；".join(lines)}, status=400)


def flag_list(request):
    """The cases matching the filters (?county=&township=&department=&rule=&severity=&status=
    &overdue=&opened=), 20 a page, each with its flags; ?case=<id> is one case's page;
    ?format=xlsx the flags of every matching case as a spreadsheet."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    wanted = _scoped_params(request.user, request.GET)
    if request.method == "POST":
        return _take_step(request, wanted)
    try:
        queryset = _cases_of(request, wanted)
        if request.GET.get("format") == "xlsx":
            return _export(request, wanted, queryset)
        page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
        shown = list(page.object_list)
        flags = list(_flag_query(request, wanted, [c.pk for c in shown]))
    except (FlagFilterError, ValidationError) as error:
        return _error_page(request, error)
    by_case = defaultdict(list)
    for flag in flags:
        by_case[flag.case].append(flag)
    filters = {k: v for k, v in wanted.items() if v}
    context = {
        "page": page,
        "groups": [_group(request.user, case, by_case[case.pk]) for case in shown],
        "flags": flags,
        "filters": filters,
        "chips": _chips(wanted),
        "status_links": _status_links(filters),
        "prev_url": _flag_list_url({**filters, "page": page.previous_page_number()})
        if page.has_previous() else "",
        "next_url": _flag_list_url({**filters, "page": page.next_page_number()})
        if page.has_next() else "",
        "export_url": _flag_list_url({**filters, "format": "xlsx"}),
        "api_url": reverse("api:flag-list", kwargs={"version": "v1"}) + "?" + urlencode(
            {k: v for k, v in filters.items() if k not in ("overdue", "opened")}),
    }
    if wanted["case"]:
        if not shown:
            raise Http404(_("There is no case no. %(id)s, or you may not see it.")
                          % {"id": wanted["case"]})
        context.update(_case_page(request, shown[0]))
    return render(request, "dashboard/flags.html", context)


def _status_links(filters) -> list[dict]:
    """The status tabs: every case, each status, and the overdue ones."""
    base = {k: v for k, v in filters.items() if k not in ("status", "overdue", "case", "page")}
    tabs = [("", _("All"), {})]
    tabs += [(s.value, s.label, {"status": s.value}) for s in cases.Status]
    tabs.append(("overdue", _("Overdue"), {"overdue": "true"}))
    current = filters.get("status", "") if filters.get("overdue") != "true" else "overdue"
    return [{"label": label, "url": _flag_list_url({**base, **extra}), "current": key == current}
            for key, label, extra in tabs]


def _subject(user, case) -> dict:
    """What the case is about, in words, with a link where the user may open it."""
    if case.assignment_id:
        assignment = case.assignment
        return {"label": _("Assignment “%(title)s” (%(day)s)") % {
            "title": assignment.title, "day": assignment.assigned_on},
            "url": reverse("requests:assignment_detail", args=[assignment.pk])}
    if case.delegation_id:
        return {"label": str(case.delegation),
                "url": reverse("requests:detail", args=[case.delegation_id])}
    if case.list_entry_id:
        entry = case.list_entry
        return {"label": _("%(list)s entry: %(item)s") % {
            "list": entry.get_kind_display(), "item": entry.item.name}, "url": ""}
    return {"label": _("No longer in the data"), "url": ""}


def _group(user, case, flags) -> dict:
    role = access.role_of(user)
    department_url = ""
    if case.department_id and (role == access.OFFICE or (
            role == access.DEPARTMENT and access.profile_of(user).department_id == case.department_id)):
        department_url = reverse("requests:department", args=[case.department_id])
    return {
        "case": case,
        "flags": flags,
        "subject": _subject(user, case),
        "department_url": department_url,
        "townships": [(t, reverse("pages:township", args=[t.code])) for t in case.townships.all()],
        "overdue": case.is_overdue(),
        "url": _flag_list_url({"case": case.pk}),
    }


def _case_page(request, case) -> dict:
    """One case: its history and the forms of the steps the user may take now."""
    forms = {}
    for step in FORMS:
        if case_access.can(request.user, step, case):
            forms[step] = form_for(step, case)
    return {"case": case, "history": cases.steps_of(case), "step_forms": forms,
            "request_url": reverse("requests:create")
            if "answer" in forms else ""}


def _take_step(request, wanted):
    """A step posted from a case's page: the service decides; back to the case's page."""
    case_id = wanted["case"]
    case = case_access.visible(request.user).filter(pk=case_id).first() if case_id.isdigit() else None
    if case is None:
        raise Http404(_("There is no case no. %(id)s, or you may not see it.") % {"id": case_id})
    step = request.POST.get("step", "")
    if step not in FORMS:
        messages.error(request, _("Unknown step."))
        return redirect(_flag_list_url({"case": case.pk}))
    form = form_for(step, case, request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(f"{form.fields[name].label}：{' '.join(errors)}"
                                         if name in form.fields else " ".join(errors)
                                         for name, errors in form.errors.items()))
        return redirect(_flag_list_url({"case": case.pk}))
    data = form.cleaned_data
    try:
        if step == "notify":
            cases.notify(request.user, case, deadline=data["deadline"], note=data["note"])
            messages.success(request, _("The correction notice was sent."))
        elif step == "answer":
            cases.answer(request.user, case, answer=data["answer"], delegation=data["delegation"],
                         note=data["note"])
            messages.success(request, _("Your answer was recorded."))
        else:
            cases.close(request.user, case, resolution=data["resolution"], note=data["note"])
            messages.success(request, _("The case was closed."))
    except WorkflowError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(_flag_list_url({"case": case.pk}))


def _export(request, wanted, queryset) -> HttpResponse:
    shown = {c.pk: c for c in queryset}
    flags = list(_flag_query(request, wanted, queryset.order_by().values("pk")))
    day = timezone.localdate()
    data = flags_xlsx(flags, shown, title=_("Flags as of %(day)s") % {"day": day})
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="flags-{day.isoformat()}.xlsx"'
    return response
