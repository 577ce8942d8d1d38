from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DelegationsConfig(AppConfig):
    name = "delegations"
    verbose_name = _("Delegations and assignments")

    def ready(self):
        # The admin of the provinces' legal sources (registers itself).
        from delegations.flags import legal_sources_admin  # noqa: F401
