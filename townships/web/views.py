"""Login, logout, password change and the home page with what waits for the user."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db.models import Exists, OuterRef
from django.shortcuts import render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from delegations import workflow
from delegations.calls import services as calls
from delegations.models import Delegation, TownshipOpinion
from townships import access

HOME_LIST_LENGTH = 8


class LoginView(auth_views.LoginView):
    """The login page; failed attempts are counted and throttled by django-axes."""

    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["failure_limit"] = getattr(settings, "AXES_FAILURE_LIMIT", 5)
        return context


class LogoutView(auth_views.LogoutView):
    """Logout is a POST (with its CSRF token); then back to the login page."""

    next_page = reverse_lazy("login")

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, _("You have logged out."))
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    """Change one's password; the new one must pass AUTH_PASSWORD_VALIDATORS."""

    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("home")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("Your password was changed."))
        return response


@login_required
@require_GET
def home(request):
    """My desk: the counts of what waits for the user (``workflow.pending_for``; the calls'
    ``calls.waiting_for``) and the first few of those requests."""
    user = request.user
    role = access.role_of(user)
    pending = workflow.pending_for(user)
    visible = access.restrict(user, Delegation.objects.all()).select_related("department")
    submitted = visible.filter(state=Delegation.State.SUBMITTED)
    context = {"role": role, "pending": pending, "today": timezone.localdate(), "rows": [],
               "calls": calls.waiting_for(user)}
    if role == access.OFFICE:
        objected = Exists(
            TownshipOpinion.objects.filter(delegation_id=OuterRef("pk"), opinion="object")
        )
        context["rows"] = list(submitted.order_by("deadline", "submitted_at", "id")[:HOME_LIST_LENGTH])
        context["with_objections"] = submitted.filter(objected).count()
    elif role == access.TOWNSHIP:
        answered = Exists(
            TownshipOpinion.objects.filter(
                delegation_id=OuterRef("pk"), township_id=access.profile_of(user).township_id
            )
        )
        context["rows"] = list(
            submitted.exclude(answered).filter(claimed_by__isnull=True)
            .order_by("deadline", "submitted_at", "id")[:HOME_LIST_LENGTH]
        )
    elif role == access.DEPARTMENT:
        context["department"] = access.department_of(user)
        context["rows"] = list(visible.order_by("-updated_at", "-id")[:HOME_LIST_LENGTH])
    return render(request, "home/home.html", context)
