from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo county, synthetic data and the data builders they share; no models."""

    name = "demo"
    verbose_name = _("Demo and synthetic data")
