"""FortiGate key=value logs in FortiOS 7.x's own layout: one line at a time and whole saved files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from mamori.engines.errors import InputError
from mamori.engines.logs.fortigate import KeyValueError, parse_fortigate, parse_kv, read_fortigate_file

UTC = dt.UTC
HEAD = 'devname="FGT60E-EHR" devid="FGT60ETK18001234"'

VPN_FAIL = (f'date=2024-05-01 time=01:40:13 {HEAD} eventtime=1714495213123456789 tz="+0900" logid="0101039426" '
            'type="event" subtype="vpn" level="alert" vd="root" logdesc="SSL VPN login fail" action="ssl-login-fail" '
            'tunneltype="ssl-web" tunnelid=0 remip=203.0.113.7 user="hoshu" group="N/A" dst_host="N/A" '
            'reason="sslvpn_login_permission_denied" msg="SSL user failed to logged in"')
TUNNEL_UP = (f'date=2024-05-01 time=02:14:02 {HEAD} eventtime=1714497242000000000 tz="+0900" logid="0101039424" '
             'type="event" subtype="vpn" level="notice" vd="root" logdesc="SSL VPN tunnel up" action="tunnel-up" '
             'tunneltype="ssl-tunnel" tunnelid=1201 remip=203.0.113.7 tunnelip=10.212.134.200 user="ehr-maint" '
             'group="ehr-vendor" dst_host="N/A" reason="tunnel established" msg="SSL tunnel established"')
TRAFFIC_ACCEPT = (f'date=2024-05-01 time=10:00:01 {HEAD} eventtime=1714525201520331204 tz="+0900" '
                  'logid="0000000013" type="traffic" subtype="forward" level="notice" vd="root" srcip=10.20.4.31 '
                  'srcport=51544 srcintf="internal" srcintfrole="lan" dstip=198.51.100.10 dstport=443 dstintf="wan1" '
                  'dstintfrole="wan" srccountry="Reserved" dstcountry="Japan" sessionid=4711820 proto=6 '
                  'action="accept" policyid=3 policytype="policy" poluuid="9a1c2e6e-5b1d-51ee-1f0c-6a2b7c3d4e5f" '
                  'service="HTTPS" trandisp="snat" transip=192.0.2.10 transport=51544 duration=12 sentbyte=1830 '
                  'rcvdbyte=5921 sentpkt=14 rcvdpkt=12 appcat="unscanned" utmref=65500-742')
TRAFFIC_DENY = (f'date=2024-05-01 time=10:00:02 {HEAD} eventtime=1714525202 tz="+0900" logid="0000000013" '
                'type="traffic" subtype="forward" level="notice" vd="root" srcip=10.20.9.9 srcport=445 '
                'srcintf="internal" dstip=10.30.0.5 dstport=445 dstintf="dmz" sessionid=4711821 proto=6 '
                'action="deny" policyid=0 policytype="policy" service="SMB" appcat="unscanned" crscore=30 '
                'craction=131072')
ADMIN_FAIL = (f'date=2024-05-01 time=03:02:11 {HEAD} eventtime=1714500131000000000 tz="+0900" logid="0100032002" '
              'type="event" subtype="system" level="alert" vd="root" logdesc="Admin login failed" sn="0" user="admin" '
              'ui="https(203.0.113.7)" method="https" srcip=203.0.113.7 dstip=192.0.2.10 action="login" '
              'status="failed" reason="passwd_invalid" '
              'msg="Administrator admin login failed from https(203.0.113.7) because of invalid password"')
VIRUS = (f'date=2024-05-01 time=11:20:45 {HEAD} eventtime=1714530045412000000 tz="+0900" logid="0211008192" '
         'type="utm" subtype="virus" eventtype="infected" level="warning" vd="root" msg="File is infected." '
         'action="blocked" service="HTTP" sessionid=4712001 srcip=198.51.100.77 dstip=10.20.4.31 srcport=80 '
         'dstport=51601 srcintf="wan1" dstintf="internal" proto=6 direction="incoming" filename="eicar.com" '
         'quarskip="File-was-not-quarantined" virus="EICAR_TEST_FILE" viruscat="Virus" dtype="av-engine" '
         'ref="http://www.fortinet.com/ve?vn=EICAR_TEST_FILE" virusid=2172 url="http://198.51.100.77/eicar.com" '
         'profile="default" agent="curl/8.5.0" crscore=50 craction=2 crlevel="critical"')


def test_vpn_login_failure_fields_and_common_fields() -> None:
    event = parse_fortigate(VPN_FAIL, source="fgt.log", line=7)

    assert event["Channel"] == "FortiGate"
    assert event["EventID"] is None
    assert event["Computer"] == event["_host"] == "FGT60E-EHR"
    assert event["TimeCreated"] == dt.datetime(2024, 4, 30, 16, 40, 13, 123456, tzinfo=UTC)
    assert event["logid"] == "0101039426"  # quoted: text, leading zero kept
    assert event["tunnelid"] == 0
    assert event["logdesc"] == "SSL VPN login fail"
    assert event["msg"] == "SSL user failed to logged in"
    assert event["_action"] == "vpn_login_failed"
    assert (event["_user"], event["_src_ip"]) == ("hoshu", "203.0.113.7")
    assert (event["_kind"], event["_source"], event["_offset"], event["_received"]) == ("fortigate", "fgt.log", 7,
                                                                                         None)


@pytest.mark.parametrize(("line", "action", "user", "src_ip"), [
    (TUNNEL_UP, "vpn_tunnel_up", "ehr-maint", "203.0.113.7"),
    (TRAFFIC_ACCEPT, "traffic_allow", None, "10.20.4.31"),
    (TRAFFIC_DENY, "traffic_deny", None, "10.20.9.9"),
    (ADMIN_FAIL, "logon_failed", "admin", "203.0.113.7"),
    (ADMIN_FAIL.replace('status="failed"', 'status="success"'), "logon", "admin", "203.0.113.7"),
    (VIRUS, "av_event", None, "198.51.100.77"),
    (TUNNEL_UP.replace('action="tunnel-up"', 'action="tunnel-down"'), "vpn_tunnel_down", "ehr-maint", "203.0.113.7"),
    (TRAFFIC_ACCEPT.replace('action="accept"', 'action="close"'), "traffic_allow", None, "10.20.4.31"),
    (TRAFFIC_ACCEPT.replace('action="accept"', 'action="timeout"'), "traffic_allow", None, "10.20.4.31"),
])
def test_action_user_and_source_address(line: str, action: str, user: str | None, src_ip: str) -> None:
    event = parse_fortigate(line)

    assert (event["_action"], event["_user"], event["_src_ip"]) == (action, user, src_ip)


def test_traffic_numbers_are_ints_and_odd_tokens_stay_text() -> None:
    event = parse_fortigate(TRAFFIC_ACCEPT)

    assert (event["dstport"], event["sentbyte"], event["policyid"]) == (443, 1830, 3)
    assert event["dstip"] == "198.51.100.10"
    assert event["utmref"] == "65500-742"
    assert event["dstcountry"] == "Japan"


def test_eventtime_in_seconds_milliseconds_and_microseconds() -> None:
    expected = dt.datetime(2024, 5, 1, 1, 0, 2, tzinfo=UTC)
    for value in ("1714525202", "1714525202000", "1714525202000000", "1714525202000000000"):
        line = TRAFFIC_DENY.replace("eventtime=1714525202", f"eventtime={value}")
        assert parse_fortigate(line)["TimeCreated"] == expected, value


def test_without_eventtime_date_and_time_are_read_in_tz() -> None:
    line = VPN_FAIL.replace("eventtime=1714495213123456789 ", "").replace('tz="+0900"', 'tz="-0500"')

    assert parse_fortigate(line)["TimeCreated"] == dt.datetime(2024, 5, 1, 6, 40, 13, tzinfo=UTC)


def test_without_eventtime_or_tz_the_time_is_jst() -> None:
    line = VPN_FAIL.replace("eventtime=1714495213123456789 ", "").replace(' tz="+0900"', "")

    assert parse_fortigate(line)["TimeCreated"] == dt.datetime(2024, 4, 30, 16, 40, 13, tzinfo=UTC)


def test_quoted_values_with_spaces_equals_escaped_quotes_and_empty() -> None:
    fields = parse_kv('msg="User \\"admin\\" changed key=value a=b" path="C:\\\\ehr" empty="" n=5 ip=10.0.0.1')

    assert fields == {"msg": 'User "admin" changed key=value a=b', "path": "C:\\ehr", "empty": "", "n": 5,
                      "ip": "10.0.0.1"}


def test_japanese_values_survive() -> None:
    event = parse_fortigate(VPN_FAIL.replace('user="hoshu"', 'user="保守業者"'))

    assert event["_user"] == "保守業者"


def test_reserved_and_underscore_keys_cannot_overwrite_event_fields() -> None:
    event = parse_fortigate(VPN_FAIL + ' Channel="x" _kind="evil" _action="logon"')

    assert event["Channel"] == "FortiGate"
    assert event["_kind"] == "fortigate"
    assert event["_action"] == "vpn_login_failed"
    assert (event["FortiGate_Channel"], event["FortiGate__kind"]) == ("x", "evil")


def test_device_name_falls_back_to_devid_then_host() -> None:
    no_name = VPN_FAIL.replace('devname="FGT60E-EHR" ', "")

    assert parse_fortigate(no_name)["Computer"] == "FGT60ETK18001234"
    assert parse_fortigate(no_name.replace('devid="FGT60ETK18001234" ', ""), host="10.0.0.1")["Computer"] == "10.0.0.1"


@pytest.mark.parametrize(("text", "field"), [
    ('date=2024-05-01 time=01:40:13 msg="not closed', "msg"),
    ("date=2024-05-01 time=01:40:13 garbage here", "garbage"),
    ('logid="0101039426" type="event"', "date"),
    ("date=2024-05-99 time=01:40:13 logid=1", "date"),
    ('date=2024-05-01 time=01:40:13 msg="closed"logid=1', "msg"),
])
def test_bad_lines_name_the_field(text: str, field: str) -> None:
    with pytest.raises(KeyValueError) as caught:
        parse_fortigate(text)

    assert caught.value.field == field


# --- files --------------------------------------------------------------------------------------------------------

def write(path: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def test_file_of_plain_lines_and_syslog_headed_lines(tmp_path: Path) -> None:
    path = write(tmp_path / "fgt.log", [VPN_FAIL, "", f"May  1 02:14:02 FGT60E-EHR {TUNNEL_UP}",
                                        f"<185>{TRAFFIC_ACCEPT}", f"2024-05-01T11:20:45+09:00 192.0.2.10 {VIRUS}"])

    result = read_fortigate_file(path)

    assert [e["_action"] for e in result.events] == ["vpn_login_failed", "vpn_tunnel_up", "traffic_allow",
                                                     "av_event"]
    assert [e["_offset"] for e in result.events] == [1, 3, 4, 5]
    assert {e["_source"] for e in result.events} == {"fgt.log"}
    assert result.skipped == []


def test_bad_line_fails_the_whole_file_naming_line_and_field(tmp_path: Path) -> None:
    path = write(tmp_path / "fgt.log", [VPN_FAIL, TUNNEL_UP.replace('msg="SSL tunnel established"', 'msg="SSL tun'),
                                        TRAFFIC_ACCEPT])

    with pytest.raises(InputError, match=r"fgt\.log, line 2, msg: the quoted value of msg is not closed"):
        read_fortigate_file(path)


def test_recover_mode_lists_every_skipped_line(tmp_path: Path) -> None:
    path = write(tmp_path / "fgt.log", [VPN_FAIL, "this is not a fortigate line", TRAFFIC_ACCEPT,
                                        "date=2024-05-01 time=x logid=1 broken"])

    result = read_fortigate_file(path, recover=True)

    assert [e["_offset"] for e in result.events] == [1, 3]
    assert [(where.line, where.field) for where, _ in result.skipped] == [(2, None), (4, "broken")]
    assert "not a FortiGate log" in result.skipped[0][1]


def test_cp932_file_lines_decode(tmp_path: Path) -> None:
    path = write(tmp_path / "fgt.log", [VPN_FAIL.replace('user="hoshu"', 'user="保守業者"')], encoding="cp932")

    event = read_fortigate_file(path).events[0]

    assert event["user"] == "保守業者"
    assert event["_encoding"] == "cp932"


def test_oversized_line_is_reported_not_parsed(tmp_path: Path) -> None:
    path = write(tmp_path / "fgt.log", [VPN_FAIL, VPN_FAIL + ' msg2="' + "A" * 2000 + '"'])

    with pytest.raises(InputError, match=r"line 2: is 2,[0-9]{3} bytes, more than the 1,000"):
        read_fortigate_file(path, max_line=1000)


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot be read"):
        read_fortigate_file(tmp_path / "absent.log")
