from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class TownshipsConfig(AppConfig):
    name = "townships"
    verbose_name = _("Counties, townships and departments")

    def ready(self):
        from townships import signals

        signals.connect()
        post_migrate.connect(
            signals.create_role_groups, sender=self, dispatch_uid="townships.create_role_groups"
        )
