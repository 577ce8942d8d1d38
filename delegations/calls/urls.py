"""URLs of the call pages (namespace ``calls``, inside ``requests``)."""

from django.urls import path

from delegations.calls import views

app_name = "calls"

urlpatterns = [
    path("calls/", views.call_list, name="list"),
    path("calls/new/", views.call_new, name="new"),
    path("calls/<int:pk>/", views.call_detail, name="detail"),
    path("calls/<int:pk>/<slug:step>/", views.call_step, name="step"),
]
