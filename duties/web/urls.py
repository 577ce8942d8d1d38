"""URLs of the public and township pages and, from ``delegations.flags.urls``, of the flag
pages (namespace ``pages``)."""

from django.urls import include, path, re_path

from duties.web import views

app_name = "pages"

urlpatterns = [
    path("", views.county_index, name="index"),
    path("counties/<str:code>/", views.county_page, name="county"),
    path("townships/<str:code>/", views.township_page, name="township"),
    re_path(
        r"^townships/(?P<code>[^/]+)/export\.(?P<fmt>[a-z]+)$",
        views.township_export,
        name="township_export",
    ),
    path("townships/<str:code>/changes/", views.township_changes, name="township_changes"),
    path("townships/<str:code>/check/", views.township_check, name="township_check"),
    path("townships/<str:code>/report/", views.township_report, name="township_report"),
    path(
        "townships/<str:code>/report/<int:pk>/",
        views.township_report_done,
        name="township_report_done",
    ),
    path("", include("delegations.flags.urls")),
]
