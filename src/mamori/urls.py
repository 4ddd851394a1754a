"""Root URLs: web pages, the REST API (/api/v1/) and its OpenAPI schema."""

from typing import Any

from django.urls import include, path
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView

from mamori.accounts import api as accounts_api
from mamori.audit import api as audit_api
from mamori.backups import api as backups_api
from mamori.incidents import api as incidents_api
from mamori.ledger import api as ledger_api
from mamori.vulns import api as vulns_api

api_patterns: list[Any] = [
    path("me/", accounts_api.me, name="me"),
    path("", include(ledger_api.router.urls)),
    path("", include(accounts_api.router.urls)),
    path("", include(audit_api.router.urls)),
    path("", include(vulns_api.router.urls)),
    path("", include(backups_api.router.urls)),
    path("", include(incidents_api.router.urls)),
]

urlpatterns = [
    path("", include(("mamori.web.urls", "web"))),
    path("accounts/", include("mamori.accounts.urls")),
    path("ledger/", include("mamori.ledger.urls")),
    path("vulns/", include("mamori.vulns.urls")),
    path("backups/", include("mamori.backups.urls")),
    path("checklist/", include("mamori.checklist.urls")),
    path("monitoring/", include("mamori.monitoring.urls")),
    path("incidents/", include("mamori.incidents.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("api/v1/", include((api_patterns, "api"))),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
]
