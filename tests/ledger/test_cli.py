"""The CLI applies the same permission path: a vendor user sees only its own vendor's assets."""

from __future__ import annotations

import json

import pytest

from mamori import cli
from tests import access_world

pytestmark = pytest.mark.django_db


def _list(capsys: pytest.CaptureFixture[str], *args: str) -> list[dict[str, object]]:
    assert cli.main(["ledger", "list", "--json", *args]) == 0
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


def test_vendor_user_sees_only_its_own_assets(capsys: pytest.CaptureFixture[str]) -> None:
    world = access_world.build()
    rows = _list(capsys, "--user", world.users["vendor_a"].username)
    assert [r["key"] for r in rows] == [world.asset_a.key]
    rows_b = _list(capsys, "--user", world.users["vendor_b"].username)
    assert [r["key"] for r in rows_b] == [world.asset_b.key]


def test_role_without_permission_sees_nothing_and_operator_sees_all(capsys: pytest.CaptureFixture[str]) -> None:
    world = access_world.build()
    assert _list(capsys, "--user", world.users["privacy_officer"].username) == []
    keys = {r["key"] for r in _list(capsys)}
    assert {world.asset_a.key, world.asset_b.key, world.asset_other_fac.key} <= keys


def test_unknown_user_is_refused() -> None:
    with pytest.raises(SystemExit, match="no active user named 'ghost'"):
        cli.main(["ledger", "list", "--user", "ghost"])


def test_createuser_names_an_unknown_facility(capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["createuser", "x", "--role", "it_staff", "--facility", "nowhere", "--generate-password"])
    assert code == 2
    assert "no facility with code 'nowhere'" in capsys.readouterr().err


def test_load_demo_twice_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["load-demo", "--assets", "120"]) == 0
    assert "Demo hospital" in capsys.readouterr().out
    assert cli.main(["load-demo", "--assets", "120"]) == 1
    assert "already loaded" in capsys.readouterr().err
