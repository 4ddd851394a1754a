"""Syslog messages as devices send them (RFC 5424, RFC 3164, FortiGate over syslog) and TCP framing (RFC 6587)."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest

from mamori.engines.logs.syslog import FrameDecoder, TruncatedFrame, parse_message

UTC = dt.UTC
JST = dt.timezone(dt.timedelta(hours=9))
RECEIVED = dt.datetime(2024, 5, 1, 1, 0, 5, tzinfo=UTC)
PEER = "192.0.2.5"

FGT_VPN_FAIL = ('date=2024-05-01 time=01:40:13 devname="FGT60E-EHR" devid="FGT60ETK18001234" '
                'eventtime=1714495213123456789 tz="+0900" logid="0101039426" type="event" subtype="vpn" '
                'level="alert" vd="root" logdesc="SSL VPN login fail" action="ssl-login-fail" tunneltype="ssl-web" '
                'tunnelid=0 remip=203.0.113.7 user="hoshu" group="N/A" dst_host="N/A" '
                'reason="sslvpn_login_permission_denied" msg="SSL user failed to logged in"')


def parse(data: bytes, received: dt.datetime = RECEIVED) -> dict[str, Any]:
    return parse_message(data, received=received, peer=PEER)


# --- RFC 5424 ---------------------------------------------------------------------------------------------------

def test_rfc5424_header_fields_time_and_bom_message() -> None:
    event = parse(b"<34>1 2024-05-01T10:14:15.003+09:00 ehr-ap01.hosp.local su 4121 ID47 - "
                  b"\xef\xbb\xbf'su root' failed for tanaka on /dev/pts/8")

    assert event["Channel"] == "Syslog"
    assert event["EventID"] is None
    assert (event["Facility"], event["Severity"]) == (4, 2)
    assert event["Computer"] == event["_host"] == "ehr-ap01.hosp.local"
    assert (event["AppName"], event["ProcId"], event["MsgId"]) == ("su", "4121", "ID47")
    assert event["TimeCreated"] == dt.datetime(2024, 5, 1, 1, 14, 15, 3000, tzinfo=UTC)
    assert event["Message"] == "'su root' failed for tanaka on /dev/pts/8"
    assert event["_kind"] == "syslog"
    assert event["_source"] == PEER
    assert event["_received"] == RECEIVED
    assert "_parse_error" not in event
    assert "_time_from_receipt" not in event


def test_rfc5424_structured_data_escapes_become_sd_fields() -> None:
    event = parse(b'<165>1 2024-05-01T01:00:00Z mdm01 evntslog - ID47 '
                  b'[exampleSDID@32473 iut="3" eventSource="App \\"EHR\\" [v2\\]" path="C:\\\\tmp"]'
                  b'[origin ip="10.20.1.5" ip="10.20.1.6"] An application event')

    assert event["SD_exampleSDID@32473_iut"] == "3"
    assert event["SD_exampleSDID@32473_eventSource"] == 'App "EHR" [v2]'
    assert event["SD_exampleSDID@32473_path"] == "C:\\tmp"
    assert event["SD_origin_ip"] == "10.20.1.5\n10.20.1.6"
    assert event["Message"] == "An application event"
    assert event["ProcId"] is None


def test_rfc5424_nilvalues_fall_back_to_peer_and_receipt_time() -> None:
    event = parse(b"<14>1 - - - - - -")

    assert event["Computer"] == PEER
    assert event["AppName"] is None
    assert event["MsgId"] is None
    assert event["Message"] is None
    assert event["TimeCreated"] == RECEIVED
    assert event["_time_from_receipt"] is True


def test_rfc5424_unclosed_structured_data_keeps_text_and_flags_it() -> None:
    event = parse(b'<14>1 2024-05-01T01:00:00Z host app - - [sd x="unterminated] rest')

    assert event["Computer"] == "host"
    assert "structured data" in str(event["_parse_error"])
    assert event["Message"] == '[sd x="unterminated] rest'


# --- RFC 3164 ---------------------------------------------------------------------------------------------------

def test_rfc3164_with_pid_tag_and_jst_time() -> None:
    event = parse(b"<38>May  1 09:59:58 nas01 sshd[2211]: Accepted publickey for backup from 10.20.3.4 port 50022 ssh2")

    assert (event["Facility"], event["Severity"]) == (4, 6)
    assert event["Computer"] == "nas01"
    assert (event["AppName"], event["ProcId"]) == ("sshd", "2211")
    assert event["TimeCreated"] == dt.datetime(2024, 5, 1, 0, 59, 58, tzinfo=UTC)  # 09:59:58 JST
    assert event["Message"].startswith("Accepted publickey")
    assert (event["_user"], event["_src_ip"], event["_action"]) == ("backup", "10.20.3.4", "logon")


def test_rfc3164_failed_ssh_password_is_logon_failed() -> None:
    event = parse(b"<38>May  1 09:59:58 nas01 sshd[2211]: Failed password for invalid user admin "
                  b"from 203.0.113.9 port 4242 ssh2")

    assert (event["_user"], event["_src_ip"], event["_action"]) == ("admin", "203.0.113.9", "logon_failed")


def test_rfc3164_december_message_received_on_new_year_is_previous_year() -> None:
    received = dt.datetime(2024, 12, 31, 15, 0, 2, tzinfo=UTC)  # 2025-01-01 00:00:02 JST

    event = parse(b"<13>Dec 31 23:59:58 web01 app: last of the year", received=received)

    assert event["TimeCreated"] == dt.datetime(2024, 12, 31, 14, 59, 58, tzinfo=UTC)


def test_rfc3164_january_message_from_a_fast_clock_is_next_year() -> None:
    received = dt.datetime(2024, 12, 31, 14, 59, 0, tzinfo=UTC)  # 23:59 JST on 31 December

    event = parse(b"<13>Jan  1 00:00:30 web01 app: early", received=received)

    assert event["TimeCreated"] == dt.datetime(2024, 12, 31, 15, 0, 30, tzinfo=UTC)


def test_rfc3164_year_is_never_far_in_the_future() -> None:
    received = dt.datetime(2026, 12, 3, 0, 0, tzinfo=UTC)

    may = parse(b"<13>May  1 10:00:00 web01 app: spring", received=received)
    late_december = parse(b"<13>Dec 20 10:00:00 web01 app: later than the receipt", received=received)

    assert may["TimeCreated"].year == 2026
    assert late_december["TimeCreated"].year == 2025


def test_rfc3164_leap_day_takes_the_last_leap_year() -> None:
    event = parse(b"<13>Feb 29 12:00:00 web01 app: leap", received=dt.datetime(2025, 3, 1, tzinfo=UTC))

    assert event["TimeCreated"] == dt.datetime(2024, 2, 29, 3, 0, tzinfo=UTC)


def test_rfc3164_iso_timestamp_in_header_position() -> None:
    event = parse(b"<134>2024-05-01T10:00:00.5+09:00 sw-core01 LINK: port 12 down")

    assert event["TimeCreated"] == dt.datetime(2024, 5, 1, 1, 0, 0, 500000, tzinfo=UTC)
    assert event["Computer"] == "sw-core01"
    assert event["AppName"] == "LINK"
    assert event["Message"] == "port 12 down"


def test_rfc3164_without_pri_or_hostname() -> None:
    event = parse(b"May  1 10:00:00 sshd[7]: Server listening on 0.0.0.0 port 22.")

    assert event["Facility"] is None and event["Severity"] is None
    assert event["Computer"] == PEER
    assert (event["AppName"], event["ProcId"]) == ("sshd", "7")


def test_cp932_japanese_message_decodes() -> None:
    event = parse("<12>May  1 10:00:00 ups01 監視: ログオン失敗 ユーザー 田中".encode("cp932"))

    assert event["Message"] == "ログオン失敗 ユーザー 田中"
    assert event["AppName"] == "監視"
    assert event["_encoding"] == "cp932"


def test_utf8_japanese_message_is_not_marked() -> None:
    event = parse("<12>May  1 10:00:00 ups01 監視: ログオン失敗".encode())

    assert event["Message"] == "ログオン失敗"
    assert "_encoding" not in event


def test_undecodable_bytes_come_out_as_latin1_marked() -> None:
    event = parse(b"<12>May  1 10:00:00 dev01 app: \xff\xfe\xfd")

    assert event["_encoding"] == "latin-1"
    assert event["Message"] == "ÿþý"


# --- FortiGate over syslog --------------------------------------------------------------------------------------

def test_fortigate_body_without_header_becomes_fortigate_event() -> None:
    event = parse(b"<185>" + FGT_VPN_FAIL.encode())

    assert event["Channel"] == "FortiGate"
    assert event["_kind"] == "fortigate"
    assert event["Computer"] == "FGT60E-EHR"
    assert event["_action"] == "vpn_login_failed"
    assert (event["_user"], event["_src_ip"]) == ("hoshu", "203.0.113.7")
    assert event["_received"] == RECEIVED
    assert event["_source"] == PEER
    assert (event["Facility"], event["Severity"]) == (23, 1)
    assert event["TimeCreated"] == dt.datetime(2024, 4, 30, 16, 40, 13, 123456, tzinfo=UTC)


def test_fortigate_body_after_3164_header() -> None:
    event = parse(b"<185>May  1 01:40:13 FGT60E-EHR " + FGT_VPN_FAIL.encode())

    assert event["Channel"] == "FortiGate"
    assert event["logid"] == "0101039426"
    assert event["msg"] == "SSL user failed to logged in"


def test_fortigate_rfc5424_layout_without_date_takes_the_header_time() -> None:
    body = ('devname="FGT60E-EHR" devid="FGT60ETK18001234" logid="0100032002" type="event" subtype="system" '
            'level="alert" vd="root" logdesc="Admin login failed" user="admin" ui="ssh(203.0.113.7)" '
            'srcip=203.0.113.7 action="login" status="failed" reason="passwd_invalid"')
    event = parse(b"<185>1 2024-05-01T03:02:11+09:00 FGT60E-EHR - - - - " + body.encode())

    assert event["Channel"] == "FortiGate"
    assert event["TimeCreated"] == dt.datetime(2024, 4, 30, 18, 2, 11, tzinfo=UTC)
    assert (event["_action"], event["_user"], event["_src_ip"]) == ("logon_failed", "admin", "203.0.113.7")


def test_text_mentioning_date_is_not_taken_for_fortigate() -> None:
    event = parse(b"<13>May  1 10:00:00 ap01 backup: job date=2024-05-01 finished")

    assert event["Channel"] == "Syslog"
    assert event["AppName"] == "backup"
    assert "_parse_error" not in event


def test_broken_fortigate_body_stays_syslog_with_error() -> None:
    event = parse(b'<185>date=2024-05-01 time=01:40:13 devname="FGT60E logid="0101039426')

    assert event["Channel"] == "Syslog"
    assert "FortiGate log" in str(event["_parse_error"])


# --- hostile input ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("data", [b"", b"<", b"<999>x", b"<34>1 ", b"\x00\x00", b"<13>Feb 30 10:00:00 h a: b",
                                  b"<14>1 2024-13-45T99:99:99Z h a - - - x", b"\xff" * 1000, b"<1>" + b"[" * 5000])
def test_garbage_never_raises_and_keeps_text(data: bytes) -> None:
    event = parse(data)

    assert event["Channel"] == "Syslog"
    assert event["_source"] == PEER
    assert isinstance(event["TimeCreated"], dt.datetime)
    assert event["TimeCreated"].tzinfo is not None


def test_pri_above_191_is_a_parse_error_with_the_text() -> None:
    event = parse(b"<999>hello")

    assert event["Message"] == "<999>hello"
    assert "191" in str(event["_parse_error"])


def test_random_bytes_never_raise() -> None:
    rng = random.Random(20240501)
    for _ in range(500):
        data = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200)))
        event = parse(b"<13>" + data if rng.random() < 0.5 else data)
        assert event["Channel"] in ("Syslog", "FortiGate")


def test_naive_received_is_taken_as_utc() -> None:
    event = parse_message(b"<13>hello", received=dt.datetime(2024, 5, 1, 1, 0), peer=PEER)

    assert event["_received"] == dt.datetime(2024, 5, 1, 1, 0, tzinfo=UTC)


# --- framing (RFC 6587) -----------------------------------------------------------------------------------------

def octet(message: bytes) -> bytes:
    return str(len(message)).encode() + b" " + message


def test_octet_counted_frames_split_across_chunks_at_every_byte() -> None:
    messages = [b"<34>1 2024-05-01T01:00:00Z h a - - - one\nwith newline", b"<13>two", "<13>三".encode()]
    stream = b"".join(octet(m) for m in messages)
    for cut in range(len(stream) + 1):
        decoder = FrameDecoder()
        frames = decoder.feed(stream[:cut]) + decoder.feed(stream[cut:]) + decoder.flush()
        assert frames == messages, cut


def test_byte_by_byte_feed_gives_the_same_frames() -> None:
    stream = octet(b"<13>a") + b"<13>lf framed\n" + octet(b"<13>b") + b"<13>nul framed\x00<13>crlf\r\n"
    decoder = FrameDecoder()
    frames = [frame for byte in stream for frame in decoder.feed(bytes([byte]))] + decoder.flush()

    assert frames == [b"<13>a", b"<13>lf framed", b"<13>b", b"<13>nul framed", b"<13>crlf"]


def test_newline_frame_starting_with_digits_is_not_octet_counted() -> None:
    decoder = FrameDecoder()

    assert decoder.feed(b"2024-05-01 10:00:00 host app: x\n") == [b"2024-05-01 10:00:00 host app: x"]


def test_unterminated_last_line_comes_out_on_flush() -> None:
    decoder = FrameDecoder()

    assert decoder.feed(b"<13>first\n<13>last") == [b"<13>first"]
    assert decoder.flush() == [b"<13>last"]
    assert decoder.flush() == []


def test_oversized_octet_frame_is_truncated_and_the_stream_resyncs() -> None:
    decoder = FrameDecoder(max_frame=1024)
    big = b"<13>" + b"A" * 5000
    stream = octet(big) + octet(b"<13>after")
    frames = [frame for start in range(0, len(stream), 700) for frame in decoder.feed(stream[start:start + 700])]

    assert len(frames) == 2
    assert isinstance(frames[0], TruncatedFrame)
    assert frames[0] == big[:1024]
    assert frames[0].size == len(big)
    assert frames[1] == b"<13>after"
    assert not isinstance(frames[1], TruncatedFrame)
    assert decoder.truncated == 1


def test_oversized_line_without_newline_keeps_memory_bounded() -> None:
    decoder = FrameDecoder(max_frame=1024)
    frames: list[bytes] = []
    for _ in range(1000):  # 1 MB of one endless line
        frames += decoder.feed(b"x" * 1000)
        assert decoder.buffered <= 2048
    frames += decoder.feed(b"tail\n<13>next\n")

    assert frames[0] == b"x" * 1024
    assert isinstance(frames[0], TruncatedFrame)
    assert frames[1:] == [b"<13>next"]


def test_huge_declared_count_is_dropped_not_allocated() -> None:
    decoder = FrameDecoder(max_frame=16)
    frames = decoder.feed(b"9999999999 <13>abcdefghijklmnopqrstuvwxyz")

    assert frames == [b"<13>abcdefghijkl"]
    assert frames[0].size == 9999999999  # type: ignore[attr-defined]
    assert decoder.buffered == 0
    assert decoder.flush() == []


def test_dropped_rest_of_an_oversized_frame_is_not_taken_for_frames() -> None:
    decoder = FrameDecoder(max_frame=8)
    rest = b"\n<13>fake\n" * 10  # inside the oversized frame: must not come out as messages
    body = b"<13>head" + rest

    frames = decoder.feed(octet(body)[:20]) + decoder.feed(octet(body)[20:]) + decoder.feed(b"7 <13>end")

    assert frames == [b"<13>head", b"<13>end"]


def test_partial_octet_frame_at_close_is_flagged() -> None:
    decoder = FrameDecoder()

    assert decoder.feed(b"100 <13>only part") == []
    frames = decoder.flush()
    assert frames == [b"<13>only part"]
    assert isinstance(frames[0], TruncatedFrame)
    assert parse(frames[0])["_truncated"] is True
