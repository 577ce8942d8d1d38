"""Public and township pages: county index, county, township lists, history, checker, reports.

Thin views: the lists come from ``duties.web.listing`` (over ``duties.services`` and
``duties.history``), the checker from ``duties.checker``, reports from
``delegations.assignments``; scope from ``townships.access``.
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from config.views import object_or_404
from delegations.assignments import report_assignment
from delegations.calls import access as call_access
from delegations.models import Assignment
from delegations.web.flag_reads import flags_of_assignment
from duties import checker, history, notice_check
from duties.models import AdmissionMode, DutyItem, ListEntry, ListKind, PowerSource
from duties.excel.exporters import export_entries, export_queryset, file_name_for
from duties.excel.spec import ALL_TOWNSHIPS_EXPORT
from duties.web import listing
from duties.web.forms import ChangesForm, CheckForm, ListFilterForm, ReportForm
from townships import access
from townships.models import County, Department, Township

TAB_LABELS = {
    ListKind.POWER: gettext_lazy("Power and responsibility list"),
    ListKind.TERRITORIAL: gettext_lazy("Territorial management list"),
    ListKind.ADMISSION: gettext_lazy("Admission list"),
    ListKind.RECLAIMED: gettext_lazy("Reclaimed items list"),
}
EXPORT_FORMATS = {"xlsx", "csv"}


def _township_or_404(code) -> Township:
    try:
        return Township.objects.select_related("county").get(code=code)
    except Township.DoesNotExist:
        raise Http404(_("No township has the code %(code)s.") % {"code": code})


def _county_or_404(code) -> County:
    try:
        return County.objects.get(code=code)
    except County.DoesNotExist:
        raise Http404(_("No county has the code %(code)s.") % {"code": code})


def county_index(request):
    """The public entry page: every county, with its number of townships."""
    counties = County.objects.annotate(n_townships=Count("townships")).order_by("code")
    return render(request, "public/index.html", {"counties": counties})


def county_page(request, code):
    """A county's townships with the number of entries on each of their four lists."""
    county = _county_or_404(code)
    townships = list(county.townships.order_by("code"))
    counts = listing.county_counts(county, townships, request.user)
    rows = [
        (township, [counts[township.pk][kind] for kind in listing.KINDS])
        for township in townships
    ]
    return render(
        request,
        "public/county.html",
        {
            "county": county,
            "rows": rows,
            "tab_labels": [TAB_LABELS[ListKind(kind)] for kind in listing.KINDS],
        },
    )


def _filter_state(request):
    """The validated query string of a township page (invalid parts dropped, errors kept)."""
    form = ListFilterForm(request.GET)
    valid = form.is_valid()
    data = form.cleaned_data if valid else dict(getattr(form, "cleaned_data", {}))
    kind = data.get("list") or ListKind.POWER.value
    filters = listing.Filters(
        q=data.get("q") or "",
        category=data.get("category") or "",
        department=data.get("department") or "",
        source=data.get("source") or "",
    )
    return form, valid, kind, filters, data.get("as_of")


def _query(**params) -> str:
    return "?" + urlencode({k: v for k, v in params.items() if v})


def _township_lists(request, township):
    """The page's state: the form, the list shown, its entries matching the search
    (``tab``), the per-tab counts of the search and the rows left by the filters."""
    form, valid, kind, filters, as_of = _filter_state(request)
    tab = listing.township_list(township, request.user, kind, as_of, q=filters.q)
    shown = listing.filter_entries(tab.entries, listing.Filters(
        category=filters.category, department=filters.department, source=filters.source
    ))
    return form, valid, kind, filters, as_of, tab, shown


def township_page(request, code):
    """The township's four lists as tabs, searchable and filterable, live or as of a day."""
    township = _township_or_404(code)
    form, valid, kind, filters, as_of, tab, shown = _township_lists(request, township)
    as_of_text = as_of.isoformat() if as_of else ""
    tabs = [
        {
            "kind": k,
            "label": TAB_LABELS[ListKind(k)],
            "count": tab.counts[k],
            "url": _query(list=k, q=filters.q, as_of=as_of_text),
            "current": k == kind,
        }
        for k in listing.KINDS
    ]
    filter_params = {
        "list": kind,
        "q": filters.q,
        "category": filters.category,
        "department": filters.department,
        "source": filters.source,
        "as_of": as_of_text,
    }
    categories = [
        {
            "value": value,
            "label": label,
            "count": n,
            "url": _query(**{**filter_params, "category": value}),
            "current": value == filters.category,
        }
        for value, label, n in listing.counts_by_category(tab.entries)
    ]
    context = {
        "township": township,
        "county": township.county,
        "form": form,
        "kind": kind,
        "kind_label": TAB_LABELS[ListKind(kind)],
        "tabs": tabs,
        "entries": listing.with_labels(shown),
        "total_in_tab": tab.total,
        # With a search: the tabs where it found something, when this one has nothing.
        "matches_elsewhere": [t for t in tabs if t["count"] and not t["current"]]
        if filters.q and not tab.entries
        else [],
        "filters": filters,
        "categories": categories,
        "departments": listing.departments_in(tab.entries),
        "source_choices": (
            PowerSource.choices if kind == ListKind.POWER else
            AdmissionMode.choices if kind == ListKind.ADMISSION else []
        ),
        "as_of": as_of,
        "today": timezone.localdate(),
        "export_xlsx": reverse("pages:township_export", args=[township.code, "xlsx"])
        + _query(**filter_params),
        "export_csv": reverse("pages:township_export", args=[township.code, "csv"])
        + _query(**filter_params),
        "check_form": CheckForm(),
        "check_limit_kb": checker.MAX_TEXT_BYTES // 1024,
        # The "call the department" buttons on the territorial list (not on a past day's).
        "may_call": call_access.may_file(request.user, township) and not as_of,
    }
    return render(request, "public/township.html", context, status=200 if valid else 400)


def township_export(request, code, fmt):
    """What the township page shows (same query string) as an xlsx or csv file."""
    if fmt not in EXPORT_FORMATS:
        raise Http404(_("Unknown export format."))
    township = _township_or_404(code)
    form, valid, kind, filters, as_of, _tab, shown = _township_lists(request, township)
    if not valid:
        return HttpResponse(
            "\n".join(str(e) for errors in form.errors.values() for e in errors),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    day = as_of or timezone.localdate()
    if as_of is None:
        # The live rows, with every township of their scope (the sheet re-imports as is).
        rows = ListEntry.objects.filter(pk__in=[entry.pk for entry in shown])
        body = export_queryset(
            kind, rows, county=township.county, township=township, fmt=fmt, as_of=day
        )
    else:
        # Rows rebuilt from the history exist only in memory.
        body = export_entries(
            kind,
            shown,
            scope_of=lambda entry: ALL_TOWNSHIPS_EXPORT if entry.all_townships else township.name,
            county=township.county,
            township=township,
            fmt=fmt,
            as_of=day,
        )
    filename = file_name_for(kind, county=township.county, township=township, as_of=day, fmt=fmt)
    content_type = (
        "text/csv; charset=utf-8"
        if fmt == "csv"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def township_changes(request, code):
    """What was added, removed and changed on the township's lists between two days."""
    township = _township_or_404(code)
    today = timezone.localdate()
    if "start" in request.GET or "end" in request.GET:
        form = ChangesForm(request.GET)
    else:
        form = ChangesForm(
            {"start": (today - datetime.timedelta(days=90)).isoformat(), "end": today.isoformat()}
        )
    changes = None
    status = 200
    if form.is_valid():
        changes = history.changes_between(
            township,
            form.cleaned_data["start"],
            form.cleaned_data["end"],
            scope=listing.visibility(request.user),
        )
    else:
        status = 400
    return render(
        request,
        "public/changes.html",
        {
            "township": township,
            "county": township.county,
            "form": form,
            "changes": changes,
            "tab_labels": TAB_LABELS,
        },
        status=status,
    )


def _may_report(user, township) -> bool:
    return user.is_authenticated and access.can(user, "create_assignment", township)


def _report_initial(result, text, notice=None):
    """The report form prefilled from a check: the task (or the notice's heading), the item
    and the department — the notice's issuer first, else the best entry's department."""
    best = result.best if result and result.verdict != checker.VERDICT_NONE else None
    title = ""
    if notice is not None and not notice.is_single_task:
        worst = notice.worst_task
        best = worst.best if worst else None
        title = notice.title or (worst.text if worst else "")
    item = best.entry.item if best else None
    department = notice.issuer if notice is not None else None
    if department is None and best:
        department = listing.entry_department(best.entry)
    text = text or ""
    first_line = text.strip().splitlines()[0] if text.strip() else ""
    title_limit = ReportForm.base_fields["title"].max_length
    return {
        "title": (title or first_line)[:title_limit],
        "duty_item": item.code if item else "",
        "department": department.code if department else "",
        "assigned_on": timezone.localdate().isoformat(),
        "channel": Assignment.Channel.NOTICE,
        "description": text[: ReportForm.base_fields["description"].max_length]
        if len(text) > title_limit
        else "",
    }


@require_http_methods(["GET", "POST"])
def township_check(request, code):
    """“Is this task on my list?”: the verdict and the best matches with their scores."""
    township = _township_or_404(code)
    result = notice = None
    status = 200
    # POST from the box; GET ?text= makes a short check linkable (same validation).
    data = request.POST if request.method == "POST" else request.GET
    if "text" in data:
        form = CheckForm(data)
        if form.is_valid():
            # A whole notice is read task by task; a single title keeps the detailed verdict.
            notice = notice_check.check_notice(township, form.cleaned_data["text"])
            if notice.is_single_task:
                result = checker.check(township, form.cleaned_data["text"])
        else:
            status = 400
    else:
        form = CheckForm()
    report_form = None
    if notice is not None and _may_report(request.user, township):
        report_form = ReportForm(
            initial=_report_initial(result, form.cleaned_data["text"], notice),
            departments=Department.objects.filter(county_id=township.county_id).order_by("code"),
        )
    return render(
        request,
        "public/check.html",
        {
            "township": township,
            "county": township.county,
            "form": form,
            "result": result,
            "notice": notice if notice is not None and not notice.is_single_task else None,
            "report_form": report_form,
            "may_call": call_access.may_file(request.user, township),
            "check_limit_kb": checker.MAX_TEXT_BYTES // 1024,
            "threshold_percent": round(checker.MATCH_THRESHOLD * 100),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def township_report(request, code):
    """A township user reports work pushed onto the township (an assignment)."""
    township = _township_or_404(code)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not _may_report(request.user, township):
        raise PermissionDenied(_("You may report only for your own township."))
    departments = list(Department.objects.filter(county_id=township.county_id).order_by("code"))
    if request.method == "POST":
        form = ReportForm(request.POST, departments=departments)
    else:
        form = ReportForm(
            initial={"assigned_on": timezone.localdate().isoformat(), **request.GET.dict()},
            departments=departments,
        )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        department = next(d for d in departments if d.code == data["department"])
        item = None
        if data["duty_item"]:
            item = DutyItem.objects.filter(
                county_id=township.county_id, code=data["duty_item"]
            ).first()
            if item is None:
                form.add_error("duty_item", _("No item of this county has that code."))
        if not form.errors:
            try:
                assignment = report_assignment(
                    request.user,
                    township,
                    department=department,
                    title=data["title"],
                    channel=data["channel"],
                    responsibility=data["responsibility"],
                    assigned_on=data["assigned_on"],
                    document_no=data["document_no"],
                    duty_item=item,
                    description=data["description"],
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, _("Your report has been recorded."))
                return HttpResponseRedirect(
                    reverse("pages:township_report_done", args=[township.code, assignment.pk])
                )
    return render(
        request,
        "public/report.html",
        {"township": township, "county": township.county, "form": form},
        status=400 if request.method == "POST" else 200,
    )


def township_report_done(request, code, pk):
    """The recorded report and the flags it raised."""
    township = _township_or_404(code)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    assignment = object_or_404(
        access.restrict(
            request.user,
            Assignment.objects.select_related("department__county", "duty_item").filter(
                townships=township
            ),
        ),
        _("No report of this township has the number %(id)s, or you may not see it.") % {"id": pk},
        pk=pk,
    )
    flags = flags_of_assignment(request.user, assignment, township)
    return render(
        request,
        "public/report_done.html",
        {
            "township": township,
            "county": township.county,
            "assignment": assignment,
            "flags": flags,
        },
    )
