from django.contrib import admin
from django.urls import include, path

from config import api

urlpatterns = [
    # Public pages: county index at "/", counties, townships, history, checker; office dashboard.
    path("", include("duties.web.urls")),
    path("admin/", admin.site.urls),
    # The language switch (POST /i18n/setlang/: language, next), Chinese by default.
    path("i18n/", include("django.conf.urls.i18n")),
    # REST API v1 with its OpenAPI schema (/api/v1/schema/) and Swagger UI (/api/v1/docs/).
    *api.urls(),
    # Login/logout and "my desk" (/accounts/login/, /home/); request pages (/requests/…, /assignments/…).
    path("", include("townships.web.urls")),
    path("", include("delegations.web.urls")),
]

# Errors no view handled: JSON under /api/, HTML pages elsewhere, a busy database is a 503.
handler400 = "config.views.bad_request"
handler404 = "config.views.page_not_found"
handler500 = "config.views.server_error"
