"""What every signed-in page needs: the user's role for the navigation."""

from django.contrib.auth.mixins import LoginRequiredMixin

from townships import access


class RoleContextMixin:
    """Puts ``nav_role`` (office / department / township / None) in the template context."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["nav_role"] = access.role_of(user) if user.is_authenticated else None
        return context


class SignedInMixin(LoginRequiredMixin, RoleContextMixin):
    pass


def role_context(request):
    """The same for function-based views: ``render(..., {**role_context(request), ...})``."""
    user = request.user
    return {"nav_role": access.role_of(user) if user.is_authenticated else None}
