"""Saved syslog files as rsyslog writes them, with FortiGate lines and CP932 lines mixed in."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from mamori.engines.errors import InputError
from mamori.engines.logs.syslog_file import read_syslog_file

UTC = dt.UTC
FGT = ('date=2025-01-05 time=01:40:13 devname="FGT60E-EHR" devid="FGT60ETK18001234" eventtime=1736008813000000000 '
       'tz="+0900" logid="0101039426" type="event" subtype="vpn" level="alert" vd="root" '
       'logdesc="SSL VPN login fail" action="ssl-login-fail" tunneltype="ssl-web" tunnelid=0 remip=203.0.113.7 '
       'user="hoshu" group="N/A" dst_host="N/A" reason="sslvpn_login_permission_denied" '
       'msg="SSL user failed to logged in"')


def write(path: Path, lines: list[bytes], mtime: dt.datetime) -> Path:
    path.write_bytes(b"\n".join(lines) + b"\n")
    os.utime(path, (mtime.timestamp(), mtime.timestamp()))
    return path


def test_rsyslog_file_across_new_year_uses_the_mtime(tmp_path: Path) -> None:
    path = write(tmp_path / "secure", [
        b"Dec 31 23:59:58 nas01 sshd[2211]: Failed password for root from 203.0.113.9 port 4242 ssh2",
        b"Jan  1 00:00:03 nas01 sshd[2211]: Accepted password for backup from 10.20.3.4 port 50022 ssh2",
        b"",
        "Jan  5 09:00:00 ups01 監視: ログオン失敗".encode("cp932"),
        b"<185>" + FGT.encode(),
        b"<34>1 2025-01-05T10:14:15.003+09:00 ehr-ap01 su - ID47 [meta seq=\"7\"] 'su root' failed",
    ], mtime=dt.datetime(2025, 2, 1, tzinfo=UTC))

    result = read_syslog_file(path)

    events = result.events
    assert [e["_offset"] for e in events] == [1, 2, 4, 5, 6]
    assert events[0]["TimeCreated"] == dt.datetime(2024, 12, 31, 14, 59, 58, tzinfo=UTC)
    assert events[1]["TimeCreated"] == dt.datetime(2024, 12, 31, 15, 0, 3, tzinfo=UTC)
    assert (events[0]["_action"], events[0]["_src_ip"]) == ("logon_failed", "203.0.113.9")
    assert events[2]["Message"] == "ログオン失敗"
    assert events[2]["_encoding"] == "cp932"
    assert events[3]["Channel"] == "FortiGate"
    assert events[3]["_action"] == "vpn_login_failed"
    assert events[4]["SD_meta_seq"] == "7"
    assert {e["_source"] for e in events} == {"secure"}
    assert all(e["_received"] is None for e in events)
    assert all(e["Computer"] for e in events)
    assert result.skipped == []


def test_line_later_in_the_year_than_the_mtime_is_last_year(tmp_path: Path) -> None:
    path = write(tmp_path / "messages", [b"May  1 10:00:00 nas01 app: x", b"Dec 20 10:00:00 nas01 app: y"],
                 mtime=dt.datetime(2026, 12, 3, tzinfo=UTC))

    years = [e["TimeCreated"].year for e in read_syslog_file(path).events]

    assert years == [2026, 2025]


def test_year_hint_overrides_the_mtime(tmp_path: Path) -> None:
    path = write(tmp_path / "messages", [b"Dec 31 23:59:58 nas01 app: x"], mtime=dt.datetime(2025, 2, 1, tzinfo=UTC))

    event = read_syslog_file(path, year_hint=2019).events[0]

    assert event["TimeCreated"] == dt.datetime(2019, 12, 31, 14, 59, 58, tzinfo=UTC)


def test_iso_file_format_keeps_its_offset(tmp_path: Path) -> None:
    path = write(tmp_path / "messages", [b"2025-01-05T10:00:00.123456+00:00 web01 nginx[88]: GET /"],
                 mtime=dt.datetime(2025, 2, 1, tzinfo=UTC))

    event = read_syslog_file(path).events[0]

    assert event["TimeCreated"] == dt.datetime(2025, 1, 5, 10, 0, 0, 123456, tzinfo=UTC)
    assert (event["Computer"], event["AppName"], event["ProcId"]) == ("web01", "nginx", "88")


def test_a_line_without_timestamp_fails_the_file(tmp_path: Path) -> None:
    path = write(tmp_path / "messages", [b"Jan  1 00:00:03 nas01 app: ok", b"just some text"],
                 mtime=dt.datetime(2025, 2, 1, tzinfo=UTC))

    with pytest.raises(InputError, match=r"messages, line 2: holds no timestamp"):
        read_syslog_file(path)


def test_recover_lists_every_bad_line(tmp_path: Path) -> None:
    path = write(tmp_path / "messages", [
        b"Jan  1 00:00:03 nas01 app: ok",
        b"\x00\x01\x02binary\xff\xfe",
        b'<14>1 2025-01-01T00:00:00Z h app - - [sd x="open',
        b"<999>Jan  1 00:00:03 nas01 app: bad pri",
        b"Jan  1 00:00:04 nas01 app: ok again",
    ], mtime=dt.datetime(2025, 2, 1, tzinfo=UTC))

    result = read_syslog_file(path, recover=True)

    assert [e["_offset"] for e in result.events] == [1, 5]
    assert [where.line for where, _ in result.skipped] == [2, 3, 4]
    reasons = [reason for _, reason in result.skipped]
    assert "not text" in reasons[0]
    assert "structured data" in reasons[1]
    assert "191" in reasons[2]


def test_huge_line_is_reported_not_parsed(tmp_path: Path) -> None:
    path = write(tmp_path / "messages", [b"Jan  1 00:00:03 nas01 app: " + b"A" * 5000],
                 mtime=dt.datetime(2025, 2, 1, tzinfo=UTC))

    with pytest.raises(InputError, match=r"line 1: is 5,027 bytes, more than the 4,096"):
        read_syslog_file(path, max_line=4096)


def test_broken_fortigate_line_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path / "fgt.log", [b"<185>" + FGT.encode(), b"<185>" + FGT.replace('msg="SSL', 'msg=').encode()],
                 mtime=dt.datetime(2025, 2, 1, tzinfo=UTC))

    with pytest.raises(InputError, match=r"fgt\.log, line 2: FortiGate log: "):
        read_syslog_file(path)
