"""The ledger list stays at a fixed number of SQL queries however many assets and filters there are."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mamori.demo.loader import load_demo
from mamori.ledger.models import Asset
from tests import factories

pytestmark = pytest.mark.django_db


def _queries(client: Client, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


@pytest.mark.parametrize("query", ["", "?category=terminal", "?q=FortiGate", "?segment=EHR&in_use=true",
                                   "?vendor=V-EHR&mfa=no&page=2", "?incomplete=true&support_ended=false"])
def test_asset_list_query_count_does_not_grow_with_the_ledger(client: Client, query: str) -> None:
    load_demo(assets_target=300)
    facility = Asset.objects.first().facility  # type: ignore[union-attr]
    factories.login(client, factories.user("it_staff", facility))
    small, _page = _queries(client, reverse("ledger:asset_list") + query)
    Asset.objects.bulk_create(
        Asset(facility=facility, key=f"BULK-{n:05d}", category="terminal", name=f"電子カルテ端末 追加{n}",
              segment_id=Asset.objects.filter(segment__code="EHR").values_list("segment_id", flat=True)[0],
              vendor=Asset.objects.get(key="VPN-00001").vendor, in_use=True, mfa="no")
        for n in range(700))
    large, page = _queries(client, reverse("ledger:asset_list") + query)
    assert large == small
    assert large <= 10
    assert "data-testid=\"asset-table\"" in page


def test_remote_path_and_vendor_lists_are_bounded(client: Client) -> None:
    load_demo(assets_target=300)
    facility = Asset.objects.first().facility  # type: ignore[union-attr]
    factories.login(client, factories.user("security_manager", facility, mfa=True))
    paths, page = _queries(client, reverse("ledger:remotepath_list"))
    assert paths <= 10 and "RP-01" not in page  # codes are not shown; names are
    assert "電子カルテ リモート保守（SSL-VPN）" in page
    vendors, _ = _queries(client, reverse("ledger:vendor_list"))
    assert vendors <= 10
