"""The office dashboard (flags by rule, department and township as SVG bar charts) and the
filtered flag list each bar links to."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from delegations import dashboard as dashboard_service
from duties.web.charts import bar_chart
from townships import access
from townships.models import County

PAGE_SIZE = 50
FILTER_PARAMS = ("county", "township", "department", "rule", "severity")


def _flags():
    try:
        from delegations import flags
    except ImportError:  # the flag engine is another part of the project
        return None
    return flags if hasattr(flags, "FlagQuery") else None


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
    flags = _flags()
    county = _office_county(request)
    context = {"nav_role": access.OFFICE, "county": county, "engine_missing": flags is None}
    if county is not None and flags is not None:
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
    flags = _flags()
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
    return flags.FlagQuery(**kwargs), wanted


def flag_list(request):
    """The flags matching ?county=&township=&department=&rule=&severity=, 50 a page."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    flags = _flags()
    if flags is None:
        return render(
            request,
            "dashboard/flags.html",
            {"nav_role": access.role_of(request.user), "engine_missing": True},
        )
    try:
        query, wanted = _query_for(request.user, request.GET)
        total = query.count()
    except flags.FlagFilterError as exc:
        return render(
            request,
            "dashboard/flags.html",
            {"nav_role": access.role_of(request.user), "error": exc.message},
            status=400,
        )
    try:
        page = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page = 1
    pages = max(1, (total + PAGE_SIZE - 1) // PAGE_SIZE)
    page = min(page, pages)
    start = (page - 1) * PAGE_SIZE
    results = list(query[start : start + PAGE_SIZE])
    base = {k: v for k, v in wanted.items() if v}
    rules = flags.RULES
    return render(
        request,
        "dashboard/flags.html",
        {
            "nav_role": access.role_of(request.user),
            "flags": results,
            "total": total,
            "page": page,
            "pages": pages,
            "start": start,
            "filters": base,
            "rule_titles": {code: str(rule.title) for code, rule in rules.items()},
            "prev_url": _flag_list_url({**base, "page": page - 1}) if page > 1 else "",
            "next_url": _flag_list_url({**base, "page": page + 1}) if page < pages else "",
            "api_url": reverse("flag-list") + "?" + urlencode(base)
            if _has_url("flag-list")
            else "",
        },
    )


def _has_url(name) -> bool:
    from django.urls import NoReverseMatch

    try:
        reverse(name)
    except NoReverseMatch:
        return False
    return True


def flags_for_assignment(user, township, assignment):
    """The flags ``assignment`` raised on ``township`` (None when the engine is missing)."""
    flags = _flags()
    if flags is None:
        return None
    scope = access.flag_filters(user)
    scope.pop("township", None)
    scope.pop("department", None)
    query = flags.FlagQuery(township=township, **{k: v for k, v in scope.items() if k == "county"})
    return [flag for flag in query if flag.assignment == assignment.pk]
