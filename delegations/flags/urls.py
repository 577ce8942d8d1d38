"""URLs of the flag pages, included in the ``pages`` namespace (``pages:dashboard``,
``pages:flag_list``) by ``duties.web.urls``."""

from django.urls import path

from delegations.flags import views

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/flags/", views.flag_list, name="flag_list"),
]
