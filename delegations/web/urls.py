"""URLs of the request pages and the signed-in users' own pages (namespace ``requests``)."""

from django.urls import include, path

from delegations.web import claims, own_pages, views

app_name = "requests"

urlpatterns = [
    path("requests/", views.request_list, name="list"),
    path("requests/new/", views.request_create, name="create"),
    path("requests/claim/", claims.claim_create, name="claim"),
    path("requests/review/", views.review_queue, name="review_queue"),
    path("requests/items/search/", views.item_search, name="item_search"),
    path("requests/<int:pk>/", views.request_detail, name="detail"),
    path("requests/<int:pk>/edit/", views.request_edit, name="edit"),
    path("requests/<int:pk>/agreement.pdf", views.agreement_file, name="agreement"),
    path("requests/<int:pk>/submit/", views.request_submit, name="submit"),
    path("requests/<int:pk>/withdraw/", views.request_withdraw, name="withdraw"),
    path("requests/<int:pk>/discard/", views.request_discard, name="discard"),
    path("requests/<int:pk>/opinion/", views.request_opinion, name="opinion"),
    path("requests/<int:pk>/department-opinion/", claims.department_opinion,
         name="department_opinion"),
    path("requests/<int:pk>/respond/", views.request_respond, name="respond"),
    path("requests/<int:pk>/legal-review/", views.request_legal_review, name="legal_review"),
    path("requests/<int:pk>/decide/", views.request_decide, name="decide"),
    path("requests/<int:pk>/revoke/", views.request_revoke, name="revoke"),
    path("assignments/", views.assignment_list, name="assignment_list"),
    path("assignments/new/", views.assignment_create, name="assignment_create"),
    path("assignments/<int:pk>/", own_pages.assignment_detail, name="assignment_detail"),
    path("departments/<int:pk>/", own_pages.department_page, name="department"),
    path("", include("delegations.calls.urls")),
]
