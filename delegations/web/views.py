"""Request pages for departments, townships and the office (server-rendered, no admin).

Thin layer: every page reads through ``townships.access.restrict`` (a row outside the user's
scope is a 404, not a hint that it exists) and every step calls ``delegations.workflow``,
whose per-field messages are shown next to the fields. No rule is decided here.
"""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, Subquery
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.views import object_or_404
from delegations import assignments, workflow
from delegations.models import Assignment, Delegation, TownshipOpinion
from delegations.uploads import is_pdf
from delegations.web import forms
from duties.models import DutyItem
from townships import access
from townships.models import Department

State = Delegation.State
SEARCH_LIMIT = 20
SOON_DAYS = 3


# --------------------------------------------------------------------------- helpers


def _page(request, template, context, status=200):
    return render(request, template, context, status=status)


def _require_role(request, *roles):
    if access.role_of(request.user) not in roles:
        raise PermissionDenied(_("This page is not for your role."))


def _visible_delegations(user):
    return access.restrict(user, Delegation.objects.all()).select_related("department__county", "claimed_by")


def _get_delegation(user, pk):
    return object_or_404(
        _visible_delegations(user),
        _("There is no request no. %(id)s, or you may not see it.") % {"id": pk},
        pk=pk,
    )


def _catalog(user, county_id):
    items = access.restrict(user, DutyItem.objects.all())
    if county_id is not None:
        items = items.filter(county_id=county_id)
    return items


def _deadline_class(deadline, today):
    if deadline is None:
        return ""
    if deadline < today:
        return "deadline--overdue"
    if deadline <= today + datetime.timedelta(days=SOON_DAYS):
        return "deadline--soon"
    return ""


def _with_deadline_classes(rows):
    today = timezone.localdate()
    for row in rows:
        row.deadline_class = _deadline_class(row.deadline, today) if row.state == State.SUBMITTED else ""
    return rows


def _field_label(name):
    try:
        return Delegation._meta.get_field(name).verbose_name
    except FieldDoesNotExist:
        return name


def _step_failed(request, delegation, error):
    """A refused step: a state conflict or a bad field shown as a message on the detail page."""
    messages.error(request, " ".join(error.messages))
    return redirect("requests:detail", pk=delegation.pk)


# A destructive step (delete a draft, withdraw, revoke) is taken by a second POST that
# carries this field: the first one shows what will happen and asks (no JavaScript needed).
CONFIRM_FIELD = "confirmed"


def _confirmed(request) -> bool:
    return request.POST.get(CONFIRM_FIELD) == "yes"


def _confirm_page(request, delegation, step, *, title, warning, button, facts=()):
    """The confirmation of ``step`` on ``delegation``: what will happen (``warning``,
    ``facts``: label → value) and a button that posts the same fields again, confirmed.
    A step the user may not take is refused here already, as the step itself would."""
    problem = access.explain(request.user, step, delegation)
    if problem:
        kind, message = problem
        if kind == "forbidden":
            raise PermissionDenied(message)
        messages.error(request, message)
        return redirect("requests:detail", pk=delegation.pk)
    hidden = [
        (name, value)
        for name in request.POST
        if name not in ("csrfmiddlewaretoken", CONFIRM_FIELD)
        for value in request.POST.getlist(name)
    ]
    return _page(
        request,
        "requests/confirm.html",
        {
            "d": delegation,
            "title": title,
            "warning": warning,
            "facts": facts,
            "button": button,
            "hidden": hidden,
            "action": request.path,
            "confirm_field": CONFIRM_FIELD,
        },
    )


# --------------------------------------------------------------------------- lists


@login_required
@require_GET
def request_list(request):
    """Department: its requests. Township: the requests that name it. Office: all in scope."""
    user = request.user
    role = access.role_of(user)
    if role == access.PUBLIC:
        raise PermissionDenied(_("This page is not for your role."))
    rows = (
        _visible_delegations(user)
        .prefetch_related("duty_items", "townships")
        .annotate(
            objections=Count("opinions", filter=Q(opinions__opinion="object"), distinct=True),
            opinion_count=Count("opinions", distinct=True),
        )
    )
    state = request.GET.get("state", "")
    if state in State.values:
        rows = rows.filter(state=state)
    if role == access.TOWNSHIP:
        township_id = access.profile_of(user).township_id
        mine = TownshipOpinion.objects.filter(delegation_id=OuterRef("pk"), township_id=township_id)
        rows = rows.annotate(
            my_opinion=Subquery(mine.values("opinion")[:1]),
            answered=Exists(mine),
        ).order_by("answered", "deadline", "-submitted_at", "-id")
    elif role == access.OFFICE:
        rows = rows.order_by("-submitted_at", "-created_at", "-id")
    else:
        rows = rows.order_by("-created_at", "-id")
    rows = _with_deadline_classes(list(rows))
    return _page(
        request,
        "requests/list.html",
        {"rows": rows, "state": state, "states": State.choices, "role": role},
    )


@login_required
@require_GET
def review_queue(request):
    """The office's queue: submitted requests, earliest deadline first, with the townships'
    opinions and the legality review."""
    _require_role(request, access.OFFICE)
    rows = (
        _visible_delegations(request.user)
        .filter(state=State.SUBMITTED)
        .annotate(
            township_count=Count("townships", distinct=True),
            item_count=Count("duty_items", distinct=True),
            agreed=Count("opinions", filter=Q(opinions__opinion="agree"), distinct=True),
            objections=Count("opinions", filter=Q(opinions__opinion="object"), distinct=True),
        )
        .prefetch_related(
            "duty_items",
            "townships",
            Prefetch(
                "opinions",
                queryset=TownshipOpinion.objects.filter(opinion="object")
                .select_related("township")
                .order_by("township__code"),
                to_attr="objection_rows",
            )
        )
        .order_by("deadline", "submitted_at", "id")
    )
    rows = _with_deadline_classes(list(rows))
    warnings = workflow.warnings_by_delegation(rows)
    for row in rows:
        row.missing = row.township_count - row.agreed - row.objections
        row.warnings = warnings.get(row.pk, [])
    recent = (
        _visible_delegations(request.user)
        .filter(state__in=[State.APPROVED, State.REJECTED, State.REVOKED])
        .select_related("decided_by")
        .order_by("-decided_at", "-id")[:10]
    )
    return _page(request, "requests/review_queue.html", {"rows": rows, "recent": recent})


# --------------------------------------------------------------------------- detail


def _timeline(user, delegation, opinions):
    """The request's history, one line per step: the delegation's own rows, and the rows of
    the opinions ``user`` may read (a township reads its own only, never another's)."""
    rows = [
        h for h in delegation.history.select_related("history_user")
        if h.history_change_reason
        and not h.history_change_reason.startswith(workflow.LEGACY_OPINION_REASON_PREFIX)
    ]
    rows += list(
        TownshipOpinion.history.filter(id__in=[o.pk for o in opinions])
        .exclude(history_type="-")
        .select_related("history_user")
    )
    rows.sort(key=lambda h: (h.history_date, h.history_id))
    steps = []
    for h in rows:  # creating a request writes two history rows: show one
        if steps and (steps[-1].history_change_reason, steps[-1].history_user_id) == (
            h.history_change_reason,
            h.history_user_id,
        ):
            continue
        steps.append(h)
    return steps


def _detail_context(request, delegation, **forms_in_error):
    user = request.user
    role = access.role_of(user)
    items = list(delegation.duty_items.select_related("department").order_by("code"))
    townships = list(delegation.townships.order_by("code"))
    visible = list(
        access.restrict(user, TownshipOpinion.objects.filter(delegation=delegation))
        .select_related("given_by", "township")
    )
    opinions = {o.township_id: o for o in visible}
    for township in townships:
        township.opinion_row = opinions.get(township.pk)
    allowed = {step: access.can(user, step, delegation) for step in workflow.PAGE_STEPS}
    own_township = access.township_of(user)
    allowed["give_opinion"] = (
        allowed["give_opinion"] and own_township is not None and own_township.pk not in opinions
    )
    # The steps a claim (认领) decides by its preconditions (the workflow's table): the
    # township withdraws a claim, the department gives its opinion on it once.
    for step in ("withdraw", "withdraw_claim", "give_opinion", "department_opinion"):
        allowed[step] = allowed[step] and not workflow.refusals(step, delegation)
    # The submit-time rules, shown on a draft before the department presses "submit".
    problems = []
    if allowed["submit"]:
        problems = [
            (_field_label(name), msgs) for name, msgs in workflow.validate_request(delegation).items()
        ]
    warnings = workflow.warnings_for(delegation) if role != access.TOWNSHIP else []
    blockers = []
    objections = []
    if allowed["decide"]:
        blockers = [
            " ".join(refusal.messages)
            for refusal in workflow.refusals("approve", delegation)
            if getattr(refusal, "code", None) != "legal_review_pending"
        ]
        in_error = forms_in_error.get("response_form")
        for opinion in visible:
            if opinion.opinion != TownshipOpinion.Opinion.OBJECT:
                continue
            if in_error is not None and str(in_error["township"].value()) == str(opinion.township_id):
                opinion.response_form = in_error
            else:
                opinion.response_form = forms.ResponseForm(
                    initial={"township": opinion.township_id, "response": opinion.response},
                    auto_id=f"response-{opinion.township_id}-%s",
                )
            objections.append(opinion)
    context = {
        "d": delegation,
        "items": items,
        "townships": townships,
        "own_opinion": opinions.get(own_township.pk) if own_township else None,
        "own_township_id": own_township.pk if own_township else None,
        "steps": _timeline(user, delegation, visible),
        "allowed": allowed,
        "problems": problems,
        "warnings": warnings,
        "has_reclaimed": any(w.code == "reclaimed" for w in warnings),
        "blockers": blockers,
        "objections": objections,
        "revocations": list(
            delegation.revocations.prefetch_related("townships", "duty_items")
        ),
        "today": timezone.localdate(),
        "deadline_class": _deadline_class(delegation.deadline, timezone.localdate())
        if delegation.state == State.SUBMITTED
        else "",
        "opinion_form": forms_in_error.get("opinion_form") or forms.OpinionForm(),
        "department_opinion_form": forms_in_error.get("department_opinion_form")
        or forms.DepartmentOpinionForm(delegation=delegation),
        "review_form": forms_in_error.get("review_form")
        or forms.LegalReviewForm(
            initial={"result": delegation.legal_review, "note": delegation.legal_review_note}
        ),
        "decision_form": forms_in_error.get("decision_form") or forms.DecisionForm(),
        "revoke_form": forms_in_error.get("revoke_form")
        or forms.RevokeForm(delegation=delegation),
    }
    return context


@login_required
@require_GET
def request_detail(request, pk):
    delegation = _get_delegation(request.user, pk)
    return _page(request, "requests/detail.html", _detail_context(request, delegation))


@login_required
@require_GET
def agreement_file(request, pk):
    """The uploaded agreement PDF, to those who may see the request."""
    delegation = _get_delegation(request.user, pk)
    if not delegation.agreement_file:
        raise Http404(_("This request has no agreement file."))
    if not is_pdf(delegation.agreement_file):
        raise Http404(_("The stored agreement file is not a PDF document."))
    return FileResponse(
        delegation.agreement_file.open("rb"),
        content_type="application/pdf",
        as_attachment=False,
        filename=f"agreement-{delegation.pk}.pdf",
    )


# --------------------------------------------------------------------------- department


def _request_form(request, department, data=None, files=None, instance=None):
    return forms.RequestForm(
        data,
        files,
        department=department,
        items=_catalog(request.user, department.county_id),
        search_url=reverse("requests:item_search"),
        instance=instance,
    )


@login_required
@require_http_methods(["GET", "POST"])
def request_create(request):
    _require_role(request, access.DEPARTMENT)
    department = access.department_of(request.user)
    if request.method == "POST":
        form = _request_form(request, department, request.POST, request.FILES)
        if form.is_valid():
            submit = request.POST.get("action") == forms.RequestForm.SUBMIT
            try:
                delegation = workflow.create_request(
                    request.user, department=department, submit=submit, **form.workflow_kwargs()
                )
            except ValidationError as error:
                forms.add_errors(form, error)
            else:
                if submit:
                    messages.success(request, _("The request was submitted for review."))
                else:
                    messages.success(request, _("The draft was saved."))
                return redirect("requests:detail", pk=delegation.pk)
        status = 400
    else:
        form = _request_form(request, department)
        status = 200
    return _page(
        request,
        "requests/form.html",
        {"form": form, "department": department, "delegation": None},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def request_edit(request, pk):
    delegation = _get_delegation(request.user, pk)
    problem = access.explain(request.user, "edit", delegation)
    if problem:
        kind, message = problem
        if kind == "forbidden":
            raise PermissionDenied(message)
        messages.error(request, message)
        return redirect("requests:detail", pk=delegation.pk)
    department = delegation.department
    if request.method == "POST":
        form = _request_form(request, department, request.POST, request.FILES, instance=delegation)
        if form.is_valid():
            submit = request.POST.get("action") == forms.RequestForm.SUBMIT
            saved = False
            try:
                workflow.update_draft(request.user, delegation, **form.workflow_kwargs())
                saved = True
                if submit:
                    workflow.submit_request(request.user, delegation)
            except ValidationError as error:
                forms.add_errors(form, error)
                if saved:
                    messages.warning(
                        request, _("The draft was saved, but it cannot be submitted yet.")
                    )
            else:
                if submit:
                    messages.success(request, _("The request was submitted for review."))
                else:
                    messages.success(request, _("The draft was saved."))
                return redirect("requests:detail", pk=delegation.pk)
        status = 400
    else:
        form = _request_form(request, department, instance=delegation)
        status = 200
    return _page(
        request,
        "requests/form.html",
        {"form": form, "department": department, "delegation": delegation},
        status=status,
    )


@login_required
@require_POST
def request_submit(request, pk):
    delegation = _get_delegation(request.user, pk)
    try:
        workflow.submit_request(request.user, delegation)
    except ValidationError as error:
        if getattr(error, "error_dict", None):
            messages.error(request, _("The request cannot be submitted yet: see the problems below."))
        else:
            messages.error(request, " ".join(error.messages))
        return redirect("requests:detail", pk=delegation.pk)
    messages.success(request, _("The request was submitted for review."))
    return redirect("requests:detail", pk=delegation.pk)


@login_required
@require_POST
def request_withdraw(request, pk):
    delegation = _get_delegation(request.user, pk)
    if not _confirmed(request):
        comment = request.POST.get("comment", "").strip()
        return _confirm_page(
            request,
            delegation,
            "withdraw",
            title=_("Withdraw request no. %(id)s?") % {"id": delegation.pk},
            warning=_("A withdrawn request is no longer reviewed and cannot be submitted again: "
                      "file a new request if it is still needed."),
            facts=[(_("Why withdraw (optional)"), comment or "—")],
            button=_("Yes, withdraw the request"),
        )
    try:
        workflow.withdraw_request(request.user, delegation, comment=request.POST.get("comment", ""))
    except ValidationError as error:
        return _step_failed(request, delegation, error)
    messages.success(request, _("The request was withdrawn."))
    return redirect("requests:detail", pk=delegation.pk)


@login_required
@require_POST
def request_discard(request, pk):
    delegation = _get_delegation(request.user, pk)
    if not _confirmed(request):
        return _confirm_page(
            request,
            delegation,
            "discard",
            title=_("Delete draft request no. %(id)s?") % {"id": delegation.pk},
            warning=_("The draft and what it says are deleted; this cannot be undone."),
            facts=[
                (_("Mode"), delegation.get_mode_display()),
                (_("Items"), "、".join(i.name for i in delegation.duty_items.order_by("code")) or "—"),
                (_("Townships concerned"), "、".join(t.name for t in delegation.townships.order_by("code")) or "—"),
            ],
            button=_("Yes, delete the draft"),
        )
    try:
        workflow.discard_draft(request.user, delegation)
    except ValidationError as error:
        return _step_failed(request, delegation, error)
    messages.success(request, _("The draft was deleted."))
    return redirect("requests:list")


# --------------------------------------------------------------------------- township


def _form_step(request, pk, form_class, form_key, step, *, confirm=None, **form_kwargs):
    """One workflow step posted through a form: validate the form, call ``step(delegation,
    form)`` (a ``delegations.workflow`` function, which holds every rule; it returns the
    success message), and show the detail page again with the form's errors if it refuses.
    With ``confirm(delegation, form)``, a valid form first gets that confirmation page."""
    delegation = _get_delegation(request.user, pk)
    if form_kwargs.pop("with_delegation", False):
        form_kwargs["delegation"] = delegation
    form = form_class(request.POST, **form_kwargs)
    if form.is_valid():
        if confirm is not None:
            return confirm(delegation, form)
        try:
            message = step(delegation, form)
        except workflow.StateConflict as error:
            return _step_failed(request, delegation, error)
        except ValidationError as error:
            forms.add_errors(form, error)
        else:
            messages.success(request, message)
            return redirect("requests:detail", pk=delegation.pk)
    return _page(
        request,
        "requests/detail.html",
        _detail_context(request, delegation, **{form_key: form}),
        status=400,
    )


@login_required
@require_POST
def request_opinion(request, pk):
    township = access.township_of(request.user)
    if township is None:
        raise PermissionDenied(_("Only a township named in the request may give its opinion."))

    def step(delegation, form):
        data = form.cleaned_data
        workflow.give_opinion(
            request.user, delegation, township, data["opinion"], text=data["text"]
        )
        return _("Your township's opinion was recorded.")

    return _form_step(request, pk, forms.OpinionForm, "opinion_form", step)


# --------------------------------------------------------------------------- office


@login_required
@require_POST
def request_legal_review(request, pk):
    def step(delegation, form):
        data = form.cleaned_data
        workflow.record_legal_review(request.user, delegation, data["result"], note=data["note"])
        return _("The legality review was recorded.")

    return _form_step(request, pk, forms.LegalReviewForm, "review_form", step)


@login_required
@require_POST
def request_decide(request, pk):
    def step(delegation, form):
        data = form.cleaned_data
        workflow.decide_request(request.user, delegation, data["decision"], **form.workflow_kwargs())
        if data["decision"] == forms.DecisionForm.APPROVE:
            return _("The request was approved; its items are now on the townships' lists.")
        return _("The request was rejected.")

    return _form_step(request, pk, forms.DecisionForm, "decision_form", step)


def _revocation_facts(form):
    data = form.cleaned_data
    townships, items = list(data["townships"]), list(data["duty_items"])
    return [
        (_("Revoked from"), data["revoked_on"].isoformat()),
        (_("Revocation document no."), data["document_no"]),
        (_("Reason"), data["reason"]),
        (_("Townships concerned"), "、".join(t.name for t in townships) if townships
         else _("every township of the delegation")),
        (_("Items"), "、".join(i.name for i in items) if items
         else _("every item of the delegation")),
    ]


@login_required
@require_POST
def request_revoke(request, pk):
    def step(delegation, form):
        revoked = workflow.revoke_delegation(request.user, delegation, **form.workflow_kwargs())
        if revoked.state == State.REVOKED:
            return _("The delegation was revoked.")
        return _("The delegation was revoked for the townships or items chosen; the rest "
                 "stays in force.")

    def confirm(delegation, form):
        return _confirm_page(
            request,
            delegation,
            "revoke",
            title=_("Revoke delegation no. %(id)s?") % {"id": delegation.pk},
            warning=_("From that day the items revoked leave the lists of the townships "
                      "revoked. A revocation is recorded with its document and cannot be "
                      "undone here."),
            facts=_revocation_facts(form),
            button=_("Yes, revoke"),
        )

    return _form_step(
        request, pk, forms.RevokeForm, "revoke_form", step, with_delegation=True,
        confirm=None if _confirmed(request) else confirm,
    )


@login_required
@require_POST
def request_respond(request, pk):
    def step(delegation, form):
        data = form.cleaned_data
        township = object_or_404(
            delegation.townships.all(),
            _("The request names no such township."),
            pk=data["township"],
        )
        workflow.respond_to_objection(request.user, delegation, township, data["response"])
        return _("The answer to the objection was recorded.")

    return _form_step(request, pk, forms.ResponseForm, "response_form", step)


# --------------------------------------------------------------------------- item search


@login_required
@require_GET
def item_search(request):
    """Catalog items matching ``q`` (code, name or sub-item), for search as you type:
    ``{"results": [{"id", "code", "name", "sub_item", "category", "department", "label"}]}``.
    Scoped by ``access.restrict`` and to the user's county."""
    q = " ".join(request.GET.get("q", "").split())[:100]
    if not q:
        return JsonResponse({"results": []})
    county = access.user_county(request.user)
    items = _catalog(request.user, county.pk if county else None).select_related("department")
    for word in q.split(" "):
        items = items.filter(
            Q(code__icontains=word) | Q(name__icontains=word) | Q(sub_item__icontains=word)
        )
    items = items.order_by("code")[:SEARCH_LIMIT]
    results = [
        {
            "id": item.pk,
            "code": item.code,
            "name": item.name,
            "sub_item": item.sub_item,
            "category": item.get_category_display(),
            "department": item.department.name if item.department else "",
            "label": _item_label(item),
        }
        for item in items
    ]
    return JsonResponse({"results": results})


def _item_label(item):
    label = forms.item_choice_label(item)
    extra = [item.get_category_display()]
    if item.department:
        extra.append(item.department.short_name or item.department.name)
    return f"{label} · {' · '.join(extra)}"


# --------------------------------------------------------------------------- assignments


@login_required
@require_GET
def assignment_list(request):
    """The assignments the user may see (a department: its own, logged or reported)."""
    user = request.user
    if access.role_of(user) == access.PUBLIC:
        raise PermissionDenied(_("This page is not for your role."))
    rows = (
        access.restrict(user, Assignment.objects.all())
        .select_related("department", "duty_item", "reporting_township")
        .prefetch_related("townships")
        .order_by("-assigned_on", "-id")[:200]
    )
    return _page(
        request,
        "requests/assignment_list.html",
        {"rows": rows, "own_township": access.township_of(user)},
    )


def _office_departments(user):
    """The departments the office may log assignments for (its county's, or all)."""
    departments = Department.objects.select_related("county").order_by("county__code", "code")
    limit = access.office_county_id(user)
    return departments.filter(county_id=limit) if limit is not None else departments


@login_required
@require_http_methods(["GET", "POST"])
def assignment_create(request):
    """A department logs work it hands to townships; the office logs it for a department it
    picks first (``?department=<id>``). Then the assignment's page, with the flags it raised."""
    user = request.user
    _require_role(request, access.DEPARTMENT, access.OFFICE)
    if access.role_of(user) == access.DEPARTMENT:
        department = access.department_of(user)
    else:
        chosen = (request.POST if request.method == "POST" else request.GET).get("department", "")
        department = (
            _office_departments(user).filter(pk=chosen).first() if chosen.isdigit() else None
        )
        if department is None:
            return _page(
                request,
                "requests/assignment_form.html",
                {"departments": _office_departments(user), "department": None,
                 "unknown_department": bool(chosen)},
                status=400 if chosen else 200,
            )
    kwargs = {
        "department": department,
        "items": _catalog(user, department.county_id),
        "search_url": reverse("requests:item_search"),
    }
    status = 200
    if request.method == "POST":
        form = forms.AssignmentForm(request.POST, **kwargs)
        if form.is_valid():
            data = form.cleaned_data
            try:
                assignment = assignments.record_assignment(
                    user,
                    department=department,
                    townships=data["townships"],
                    title=data["title"],
                    duty_item=data["duty_item"],
                    channel=data["channel"],
                    responsibility=data["responsibility"],
                    document_no=data["document_no"],
                    assigned_on=data["assigned_on"],
                    description=data["description"],
                )
            except ValidationError as error:
                forms.add_errors(form, error)
            else:
                messages.success(request, _("The assignment was logged."))
                return redirect("requests:assignment_detail", pk=assignment.pk)
        status = 400
    else:
        form = forms.AssignmentForm(**kwargs)
    return _page(
        request,
        "requests/assignment_form.html",
        {"form": form, "department": department, "for_office": access.role_of(user) == access.OFFICE},
        status=status,
    )
