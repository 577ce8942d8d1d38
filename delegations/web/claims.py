"""A township's claim (认领) on the pages: the township files it, the department holding the
powers gives its opinion on the request's page. Thin views over ``workflow.file_claim`` and
``workflow.give_department_opinion``; the township withdraws a claim with the request page's
withdraw form (``workflow.withdraw_request`` knows a claim)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from delegations import workflow
from delegations.web import forms
from delegations.web.views import _catalog, _form_step, _page, _require_role
from townships import access


@login_required
@require_http_methods(["GET", "POST"])
def claim_create(request):
    _require_role(request, access.TOWNSHIP)
    township = access.township_of(request.user)
    kwargs = {"county": township.county, "items": _catalog(request.user, township.county_id),
              "search_url": reverse("requests:item_search")}
    status = 200
    if request.method == "POST":
        form = forms.ClaimForm(request.POST, **kwargs)
        if form.is_valid():
            try:
                delegation = workflow.file_claim(request.user, township=township,
                                                 **form.workflow_kwargs())
            except ValidationError as error:
                forms.add_errors(form, error)
            else:
                messages.success(request, _("Your claim was submitted: the department holding "
                                            "the powers gives its opinion, then the office decides."))
                return redirect("requests:detail", pk=delegation.pk)
        status = 400
    else:
        form = forms.ClaimForm(**kwargs)
    return _page(request, "requests/claim_form.html", {"form": form, "township": township},
                 status=status)


@login_required
@require_POST
def department_opinion(request, pk):
    def step(delegation, form):
        data = form.workflow_kwargs()
        workflow.give_department_opinion(request.user, delegation, data.pop("opinion"),
                                         data.pop("text"), **data)
        return _("Your department's opinion was recorded.")

    return _form_step(request, pk, forms.DepartmentOpinionForm, "department_opinion_form", step,
                      with_delegation=True)
