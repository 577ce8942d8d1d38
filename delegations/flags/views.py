"""The flag pages: the office dashboard (flags by rule, department and township as SVG bar
charts, ``delegations.dashboard``) and the filtered flag list each bar links to, 50 a page.
URLs in ``delegations.flags.urls`` (``/dashboard/``, ``/dashboard/flags/``)."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from delegations import dashboard as dashboard_service
from delegations.flags import RULES, FlagFilterError, FlagQuery
from delegations.flags.charts import bar_chart
from townships import access
from townships.models import County

PAGE_SIZE = 50
FILTER_PARAMS = ("county", "township", "department", "rule", "severity")


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
    """Flags of a county by rule, by department (most offloading first) and by township."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if access.role_of(request.user) != access.OFFICE:
        raise PermissionDenied(_("The dashboard is for the compilation office."))
    county = _office_county(request)
    context = {"county": county}
    if county is not None:
        data = dashboard_service.county_dashboard(county, access.flag_filters(request.user))
        context.update(
            data=data,
            rule_chart=bar_chart(
                (c.label, c.value, _flag_list_url(c.filters), c.severity) for c in data.by_rule
            ),
            department_chart=bar_chart(
                (c.label, c.value, _flag_list_url(c.filters)) for c in data.by_department
            ),
            township_chart=bar_chart(
                (c.label, c.value, _flag_list_url(c.filters)) for c in data.by_township
            ),
            offloading_chart=bar_chart(
                (c.label, c.value, _flag_list_url(c.filters)) for c in data.offloading
            ),
            all_flags_url=_flag_list_url({"county": county.code}),
            counties=County.objects.order_by("code")
            if access.office_county_id(request.user) is None
            else [],
        )
    return render(request, "dashboard/dashboard.html", context)


def _query_for(user, params):
    """A FlagQuery of the request's filters within the user's scope (scope wins)."""
    scope = access.flag_filters(user)  # PermissionDenied for the public
    wanted = {name: params.get(name, "").strip() for name in FILTER_PARAMS}
    kwargs = {
        "county": wanted["county"] or None,
        "township": wanted["township"] or None,
        "department": wanted["department"] or None,
        "rules": wanted["rule"] or None,
        "severity": wanted["severity"] or None,
    }
    kwargs.update(scope)
    return FlagQuery(**kwargs), wanted


def flag_list(request):
    """The flags matching ?county=&township=&department=&rule=&severity=, 50 a page."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    try:
        query, wanted = _query_for(request.user, request.GET)
        page = Paginator(query, PAGE_SIZE).get_page(request.GET.get("page"))
    except FlagFilterError as exc:
        return render(request, "dashboard/flags.html", {"error": exc.message}, status=400)
    filters = {k: v for k, v in wanted.items() if v}
    return render(
        request,
        "dashboard/flags.html",
        {
            "page": page,
            "flags": list(page.object_list),
            "filters": filters,
            "rule_titles": {code: str(rule.title) for code, rule in RULES.items()},
            "prev_url": _flag_list_url({**filters, "page": page.previous_page_number()})
            if page.has_previous()
            else "",
            "next_url": _flag_list_url({**filters, "page": page.next_page_number()})
            if page.has_next()
            else "",
            "api_url": reverse("api:flag-list", kwargs={"version": "v1"}) + "?" + urlencode(filters),
        },
    )
