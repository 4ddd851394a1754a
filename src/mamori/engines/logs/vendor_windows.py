"""Vendor remote access outside the approved windows (承認された保守時間帯).

`parse_windows` reads the ledger's free text (`RemoteAccessPath.approved_windows`) into a `Schedule`:
"常時" / "24時間" (always), "平日 9:00～18:00", "平日9時～17時", "月～金 8:30-17:30", "9:00-17:00（土日祝を除く）",
"毎週水曜 13:00-15:00", "第2火曜 22:00～翌2:00" (overnight), "依頼時のみ" / "都度承認" (no standing window: every
access needs an approval), "平日 9:00～18:00（事前申請）" (a window *and* an approval), several windows separated by
"、" "/" ";" ",", full-width digits and any of ～〜~-－ as separators, and the same in simple English ("weekdays
9:00-17:00", "Mon-Fri 8:30-17:30", "every Wednesday 13:00-15:00", "2nd Tuesday 22:00-02:00", "on request").
Text it does not fully understand gives None — the caller reports it as "unparsed" with the text; nothing is
guessed. A remark in brackets that is not a day, time or approval word ("（ベンダー判断で随時）") is kept in
`Schedule.notes` and does not widen the window.

"平日" means Monday–Friday except national holidays; "月～金" means Monday–Friday (holidays included) unless
"祝日を除く" is also given. Holidays: the caller may pass its own set (e.g. with the hospital's year-end closure);
by default `JP_HOLIDAYS` is used, the national holidays 2025–2027 (checked against the `jpholiday` package). For a
year outside the table every day counts as a non-holiday, and findings say `holidays_known: False`.

`check_remote_access(events, paths, approvals=...)` finds the remote-access events of each `RemotePath` (a logon
from its allowed sources or to its targets, a VPN tunnel from its sources or on its appliance, an RDP gateway /
RemoteConnectionManager connection) and reports those outside the schedule, grouped into one finding per path,
account and source per session (events less than `session_gap` apart).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mamori.engines.logs.hits import jsonable

__all__ = ["ACCESS_EVENT_IDS", "JP_HOLIDAYS", "JST", "OutOfWindowFinding", "RemotePath", "Schedule", "Window",
           "check_remote_access", "is_candidate", "parse_sources", "parse_windows"]

JST = dt.timezone(dt.timedelta(hours=9), "JST")
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

#: National holidays (国民の祝日・振替休日・国民の休日), from the Cabinet Office list (内閣府「国民の祝日について」,
#: syukujitsu.csv); the 2027 equinox days are those of the 暦要項 (NAOJ). Cross-checked with PyPI `jpholiday` 1.0.3.
_HOLIDAY_TABLE = {
    2025: "01-01 01-13 02-11 02-23 02-24 03-20 04-29 05-03 05-04 05-05 05-06 07-21 08-11 09-15 09-23 10-13 11-03 "
          "11-23 11-24",
    2026: "01-01 01-12 02-11 02-23 03-20 04-29 05-03 05-04 05-05 05-06 07-20 08-11 09-21 09-22 09-23 10-12 11-03 "
          "11-23",
    2027: "01-01 01-11 02-11 02-23 03-21 03-22 04-29 05-03 05-04 05-05 07-19 08-11 09-20 09-23 10-11 11-03 11-23",
}
JP_HOLIDAYS: frozenset[dt.date] = frozenset(
    dt.date(year, int(day[:2]), int(day[3:])) for year, days in _HOLIDAY_TABLE.items() for day in days.split())
JP_HOLIDAY_YEARS = frozenset(_HOLIDAY_TABLE)

ALL_DAYS = frozenset(range(7))
WEEKDAYS = frozenset(range(5))
_KANJI_DAYS = "月火水木金土日"
_EN_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True, slots=True)
class Window:
    """Days (0 = Monday; `nth` = weeks of the month, empty = every week; `holidays` "any", "exclude" or "also")
    and minutes after local midnight: `end` > 1440 runs into the next day (an overnight window)."""

    weekdays: frozenset[int] = ALL_DAYS
    start: int = 0
    end: int = 1440
    nth: frozenset[int] = frozenset()
    holidays: str = "any"

    def day_matches(self, day: dt.date, holidays: frozenset[dt.date]) -> bool:
        is_holiday = day in holidays
        if self.holidays == "exclude" and is_holiday:
            return False
        if self.holidays == "also" and is_holiday:
            return True
        return day.weekday() in self.weekdays and (not self.nth or (day.day - 1) // 7 + 1 in self.nth)

    def contains(self, local: dt.datetime, holidays: frozenset[dt.date]) -> bool:
        minute = local.hour * 60 + local.minute
        day = local.date()
        if self.start <= minute < min(self.end, 1440) and self.day_matches(day, holidays):
            return True
        return self.end > 1440 and minute < self.end - 1440 and self.day_matches(day - dt.timedelta(days=1),
                                                                                 holidays)


@dataclass(frozen=True, slots=True)
class Schedule:
    """When a path may be used: `always`, or inside one of `windows` (JST); `approval_required` when every access
    needs an approval (on its own, without windows, "on request only"). `notes` are remarks kept as written."""

    text: str
    always: bool = False
    windows: tuple[Window, ...] = ()
    approval_required: bool = False
    notes: tuple[str, ...] = ()
    holidays: frozenset[dt.date] = JP_HOLIDAYS
    holiday_years: frozenset[int] | None = JP_HOLIDAY_YEARS

    @property
    def on_request_only(self) -> bool:
        """No standing window: any access needs an approval record."""
        return not self.always and not self.windows

    def allows(self, moment: dt.datetime) -> bool:
        """Whether the schedule's standing windows include `moment` (aware; judged in JST). Approvals aside."""
        if self.always:
            return True
        local = moment.astimezone(JST)
        return any(window.contains(local, self.holidays) for window in self.windows)

    def holidays_known(self, moment: dt.datetime) -> bool:
        """False when `moment` (or the day before, for overnight windows) is in a year the holiday set lacks."""
        if self.holiday_years is None:
            return True
        local = moment.astimezone(JST)
        return local.year in self.holiday_years and (local - dt.timedelta(days=1)).year in self.holiday_years


# -- parsing ----------------------------------------------------------------------------------------------------

_ALWAYS = re.compile(r"^(常時(接続|可|利用可|許可)?|24時間(365日)?(対応|可|接続)?|終日|いつでも|always( on)?|24/7|24x7|"
                     r"any ?time|24h)$")
_APPROVAL = re.compile(r"(依頼時のみ|依頼時|要請時のみ|要請時|事前申請制?|事前承認|都度承認|都度申請|"
                       r"都度連絡|要申請|要承認|申請時のみ|承認時のみ|申請制|承認制|"
                       r"on request( only)?|upon request|by request|"
                       r"(with )?prior approval|approval required)")
_DASH = r"\s*(?:~|〜|-|－|–|—|ー|から|to)\s*"
_TIME = r"(翌日?)?(\d{1,2})(?::(\d{2})|時(?:(\d{1,2})分|(半))?)"
_RANGE = re.compile(_TIME + _DASH + _TIME + r"(?:まで)?")
_EXCLUDE = re.compile(r"([土日祝・及びと]+)(?:を)?(?:除く|除き|以外)")
_NTH = re.compile(r"第(\d)((?:[・,]第?\d)*)\s*([月火水木金土日])曜?日?")
_EN_DAY = r"(mon|tue|wed|thu|fri|sat|sun)(?:day|nesday|sday|rsday|urday)?s?\b\.?"
_EN_NTH = re.compile(r"\b(1st|2nd|3rd|4th|5th|first|second|third|fourth|fifth)((?:\s*(?:,|and|&)\s*(?:1st|2nd|3rd|"
                     r"4th|5th|first|second|third|fourth|fifth))*)\s+" + _EN_DAY)
_JA_RANGE = re.compile(r"([月火水木金土日])曜?日?" + _DASH + r"([月火水木金土日])曜?日?")
_EN_RANGE = re.compile(r"\b" + _EN_DAY + _DASH + _EN_DAY)
_JA_LIST = re.compile(r"(?:毎週)?([月火水木金土日](?:・?[月火水木金土日])+)(?:曜日?)?(?:・?(祝日?))?"
                      r"|(?:毎週)?([月火水木金土日])曜日?(?:・?(祝日?))?")
_EN_SINGLE = re.compile(r"\b(?:every\s+)?" + _EN_DAY)
_ORDINALS = {"1st": 1, "2nd": 2, "3rd": 3, "4th": 4, "5th": 5, "first": 1, "second": 2, "third": 3, "fourth": 4,
             "fifth": 5}
_FILLER = re.compile(r"(毎週|毎月|の|は|に|で|より|まで|時間帯|頃|ごろ|のみ|限り|限定|\band\b|\bfrom\b|\bon\b|"
                     r"\bonly\b|\bevery\b|\bbetween\b|[\s・:])")
_SPLIT = re.compile(r"[、,;/。\n]|\s+or\s+")
_BRACKETS = re.compile(r"[(\[【「『]([^()\[\]【】「」『』]*)[)\]】」』]")


@dataclass(slots=True)
class _Days:
    weekdays: frozenset[int] = ALL_DAYS
    nth: frozenset[int] = frozenset()
    holidays: str = "any"
    given: bool = False


def _minutes(match: re.Match[str], offset: int) -> tuple[int, bool] | None:
    """Minutes after midnight of the time whose five groups start at `offset`, and whether it says 翌 (next day)."""
    next_day, hour = match.group(offset), int(match.group(offset + 1))
    minute = int(match.group(offset + 2) or match.group(offset + 3) or 0) + (30 if match.group(offset + 4) else 0)
    if hour > 24 or minute > 59 or (hour == 24 and minute):
        return None
    return hour * 60 + minute, bool(next_day)


def _time_ranges(text: str) -> tuple[list[tuple[int, int]], str] | None:
    """Time ranges in `text` (minutes; end > 1440 = next day) and the text with them removed; None if a time is
    impossible (25:00, a start "翌")."""
    found: list[tuple[int, int]] = []
    for match in _RANGE.finditer(text):
        start, end = _minutes(match, 1), _minutes(match, 6)
        if start is None or end is None or start[1]:
            return None
        finish = end[0] + 1440 if end[1] or end[0] <= start[0] else end[0]
        found.append((start[0], finish))
    return found, _RANGE.sub(" ", text)


def _day_set(first: int, last: int) -> frozenset[int]:
    return frozenset((first + i) % 7 for i in range((last - first) % 7 + 1))


def _days(text: str) -> tuple[_Days, str]:
    """The day part of a segment and the text left once it is removed."""
    days = _Days()

    def take(pattern: re.Pattern[str]) -> re.Match[str] | None:
        nonlocal text
        match = pattern.search(text)
        if match is not None:
            text = text[:match.start()] + " " + text[match.end():]
        return match

    if (excluded := take(_EXCLUDE)) is not None:
        words = excluded.group(1)
        days.weekdays -= {5} if "土" in words else set()
        days.weekdays -= {6} if "日" in words.replace("祝日", "祝") else set()
        days.holidays = "exclude" if "祝" in words else days.holidays
        days.given = True
    if (found := take(re.compile(r"平日|weekdays?|business days|workdays"))) is not None:
        days.weekdays, days.holidays, days.given = days.weekdays & WEEKDAYS, "exclude", True
    elif take(re.compile(r"毎日|全日|daily|every ?day|土日祝日?を?含む|all days")) is not None:
        days.given = True
    elif (found := take(_NTH)) is not None:
        weeks = {int(found.group(1)), *(int(n) for n in re.findall(r"\d", found.group(2)))}
        days.weekdays &= {_KANJI_DAYS.index(found.group(3))}
        days.nth, days.given = frozenset(weeks), True
    elif (found := take(_EN_NTH)) is not None:
        weeks = {_ORDINALS[found.group(1)], *(_ORDINALS[w] for w in re.findall(r"[a-z0-9]+", found.group(2))
                                               if w in _ORDINALS)}
        days.weekdays &= {_EN_DAYS.index(found.group(3))}
        days.nth, days.given = frozenset(weeks), True
    elif (found := take(_JA_RANGE)) is not None:
        days.weekdays &= _day_set(_KANJI_DAYS.index(found.group(1)), _KANJI_DAYS.index(found.group(2)))
        days.given = True
    elif (found := take(_EN_RANGE)) is not None:
        days.weekdays &= _day_set(_EN_DAYS.index(found.group(1)), _EN_DAYS.index(found.group(2)))
        days.given = True
    elif (found := take(_JA_LIST)) is not None:
        letters = (found.group(1) or found.group(3)).replace("・", "")
        days.weekdays &= {_KANJI_DAYS.index(c) for c in letters}
        if found.group(2) or found.group(4):
            days.holidays = "also"
        days.given = True
    else:
        singles = _EN_SINGLE.findall(text)
        if singles:
            text = _EN_SINGLE.sub(" ", text)
            days.weekdays &= {_EN_DAYS.index(name) for name in singles}
            days.given = True
    if not days.given and take(re.compile(r"^\s*祝日?\s*$|holidays?")) is not None:
        days.weekdays, days.holidays, days.given = frozenset(), "also", True
    return days, text


def _segment(text: str) -> tuple[_Days, list[tuple[int, int]]] | None:
    """One segment ("平日 9:00~18:00"): its days and time ranges, or None when something is left unread."""
    timed = _time_ranges(text)
    if timed is None:
        return None
    ranges, rest = timed
    days, rest = _days(rest)
    if _FILLER.sub("", rest):
        return None
    return days, ranges


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    return text.replace("〜", "~").replace("～", "~").replace("：", ":")


def parse_windows(text: str | None, *, holidays: Iterable[dt.date] | None = None) -> Schedule | None:
    """The schedule a ledger text describes (see the module docstring), or None when it is empty or not fully
    understood. `holidays` replaces the built-in `JP_HOLIDAYS` (then every year counts as known)."""
    if text is None or not text.strip():
        return None
    holiday_set = JP_HOLIDAYS if holidays is None else frozenset(holidays)
    years = JP_HOLIDAY_YEARS if holidays is None else None
    body = _normalise(text)
    notes: list[str] = []
    approval = False
    modifiers: list[_Days] = []
    for remark in _BRACKETS.findall(body):
        inner = remark.strip()
        if _APPROVAL.search(inner):
            approval = True
            inner = _APPROVAL.sub(" ", inner)
        parsed = _segment(inner) if _FILLER.sub("", inner) else None
        if parsed is not None and parsed[0].given and not parsed[1]:
            modifiers.append(parsed[0])
        elif _FILLER.sub("", inner):
            notes.append(remark.strip())
    body = _BRACKETS.sub(" ", body)
    if _APPROVAL.search(body):
        approval = True
        body = _APPROVAL.sub(" ", body)
    main = body.strip()
    if _ALWAYS.match(re.sub(r"\s+", " ", main)):
        return Schedule(text, always=True, approval_required=approval, notes=tuple(notes), holidays=holiday_set,
                        holiday_years=years)
    windows = _windows(main, modifiers)
    if windows is None or (not windows and not approval):
        return None
    return Schedule(text, windows=tuple(windows), approval_required=approval, notes=tuple(notes),
                    holidays=holiday_set, holiday_years=years)


def _windows(main: str, modifiers: list[_Days]) -> list[Window] | None:
    """Windows of the main text: a time-only segment takes the days of the segment before it ("平日 9:00~12:00、
    13:00~17:00"), else of the day-only segments ("9:00~17:00、平日"), else every day."""
    day_only: list[_Days] = []
    pending: list[tuple[int, int]] = []
    windows: list[Window] = []
    last_days: _Days | None = None
    for segment in _SPLIT.split(main):
        if not _FILLER.sub("", segment):
            continue
        parsed = _segment(segment)
        if parsed is None:
            return None
        days, ranges = parsed
        if ranges and days.given:
            windows += [_window(days, modifiers, r) for r in ranges]
            last_days = days
        elif ranges and last_days is not None:
            windows += [_window(last_days, modifiers, r) for r in ranges]
        elif ranges:
            pending += ranges
        else:
            day_only.append(days)
    if pending:
        for days in day_only or [_Days()]:
            windows += [_window(days, modifiers, r) for r in pending]
    else:
        windows += [_window(days, modifiers, (0, 1440)) for days in day_only]
    return windows


def _window(days: _Days, modifiers: list[_Days], span: tuple[int, int]) -> Window:
    weekdays, holidays = days.weekdays, days.holidays
    for extra in modifiers:
        weekdays &= extra.weekdays
        holidays = extra.holidays if extra.holidays != "any" else holidays
    return Window(weekdays=weekdays, start=span[0], end=span[1], nth=days.nth, holidays=holidays)


# -- paths and events -------------------------------------------------------------------------------------------

_IPV4 = r"\d{1,3}(?:\.\d{1,3}){3}"
_ADDRESS = re.compile(rf"({_IPV4})\s*(?:-|~|〜|－)\s*({_IPV4})|({_IPV4}(?:/\d{{1,2}})?)"
                      r"|([0-9a-f]*:[0-9a-f:]+(?:/\d{1,3})?)", re.IGNORECASE)


def parse_sources(text: str) -> tuple[Network, ...]:
    """Networks named in the ledger's allowed-sources text: CIDRs, single addresses and "a.b.c.d-a.b.c.e" ranges,
    wherever they stand ("203.0.113.40/32（委託業者データセンター）", "198.51.100.0/28, 203.0.113.5")."""
    found: list[Network] = []
    for match in _ADDRESS.finditer(unicodedata.normalize("NFKC", text)):
        try:
            if match.group(1):
                first, last = ipaddress.IPv4Address(match.group(1)), ipaddress.IPv4Address(match.group(2))
                found += ipaddress.summarize_address_range(min(first, last), max(first, last))
            else:
                found.append(ipaddress.ip_network(match.group(3) or match.group(4), strict=False))
        except ValueError:
            continue
    return tuple(found)


@dataclass(frozen=True, slots=True)
class RemotePath:
    """A remote-maintenance path as the engine needs it (the caller builds it from `ledger.RemoteAccessPath`):
    `targets` and `appliances` are host names or IPs (matched case-insensitively, also on the first DNS label),
    `accounts` the vendor's account names (optional), `windows` the approved-windows text."""

    code: str
    name: str = ""
    vendor: str = ""
    allowed_sources: tuple[Network, ...] = ()
    targets: tuple[str, ...] = ()
    appliances: tuple[str, ...] = ()
    accounts: tuple[str, ...] = ()
    windows: str = ""

    @classmethod
    def from_ledger(cls, code: str, *, name: str = "", vendor: str = "", allowed_sources: str = "",
                    targets: Iterable[str] = (), appliances: Iterable[str] = (), accounts: Iterable[str] = (),
                    windows: str = "") -> RemotePath:
        """A path from the ledger's texts: `allowed_sources` is parsed with `parse_sources`."""
        return cls(code, name, vendor, parse_sources(allowed_sources), tuple(t for t in targets if t),
                   tuple(a for a in appliances if a), tuple(a for a in accounts if a), windows)


@dataclass(frozen=True, slots=True)
class OutOfWindowFinding:
    """Remote access that the path's schedule does not cover, or a path whose schedule cannot be read.

    `code`: "out_of_window" (outside the standing windows, no approval), "no_approval" (an on-request path used
    without an approval; or, with `require_approval_records`, a window-and-approval path used in its window without
    one), "unparsed_window" (the text is not understood) or "no_window" (no text at all). Times are aware UTC;
    `first_jst` is the first time as shown to the user.
    """

    code: str
    severity: str
    path_code: str
    path_name: str
    vendor: str
    schedule_text: str
    first: dt.datetime | None = None
    last: dt.datetime | None = None
    first_jst: str = ""
    count: int = 0
    src_ips: tuple[str, ...] = ()
    users: tuple[str, ...] = ()
    hosts: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    params: dict[str, Any] = field(default_factory=dict)
    evidence: tuple[dict[str, Any], ...] = ()
    message_en: str = ""
    message_ja: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The finding as JSON-ready data: datetimes as ISO 8601 text, tuples as lists."""
        return {name: jsonable(getattr(self, name)) for name in self.__dataclass_fields__}


_RDP_EVENTS = {
    ("Microsoft-Windows-TerminalServices-Gateway/Operational", 302): "rd_gateway",
    ("Microsoft-Windows-TerminalServices-Gateway/Operational", 303): "rd_gateway",
    ("Microsoft-Windows-TerminalServices-RemoteConnectionManager/Operational", 1149): "rdp",
    ("Microsoft-Windows-TerminalServices-LocalSessionManager/Operational", 21): "rdp",
    ("Microsoft-Windows-TerminalServices-LocalSessionManager/Operational", 25): "rdp",
    ("Security", 4778): "rdp",
    ("System", 20272): "ras_vpn",
    ("Microsoft-Windows-RemoteAccess/Operational", 20272): "ras_vpn",
}
_IP_FIELDS = ("_src_ip", "IpAddress", "remip", "ClientAddress", "Address", "Param3", "srcip")
_USER_FIELDS = ("_user", "TargetUserName", "user", "xauthuser", "UserName", "AccountName", "User", "Param1")


@dataclass(frozen=True, slots=True)
class _Access:
    moment: dt.datetime
    kind: str
    ip: str
    address: ipaddress.IPv4Address | ipaddress.IPv6Address | None
    user: str
    host: str
    logon_type: str
    ref: dict[str, Any]


def _first(event: Mapping[str, Any], names: Sequence[str]) -> str:
    for name in names:
        value = event.get(name)
        if value is not None and str(value).strip() not in ("", "-"):
            return str(value).strip()
    return ""


def _access(event: Mapping[str, Any]) -> _Access | None:
    moment = event.get("TimeCreated")
    if not isinstance(moment, dt.datetime) or moment.tzinfo is None:
        return None
    channel, event_id = str(event.get("Channel") or ""), event.get("EventID")
    logon_type = str(event.get("LogonType") or "")
    action = str(event.get("action") or "").lower()
    if channel == "Security" and event_id == 4624 and logon_type in ("3", "10"):
        kind = "logon"
    elif event.get("_action") == "vpn_tunnel_up" or (channel == "FortiGate" and action == "tunnel-up"):
        kind = "vpn"
    elif isinstance(event_id, int) and (channel, event_id) in _RDP_EVENTS:
        kind = _RDP_EVENTS[(channel, event_id)]
    else:
        return None
    ip = _first(event, _IP_FIELDS)
    text = ip[7:] if ip.lower().startswith("::ffff:") else ip
    try:
        address: ipaddress.IPv4Address | ipaddress.IPv6Address | None = ipaddress.ip_address(text)
    except ValueError:
        address = None
    domain = _first(event, ("TargetDomainName",))
    user = _first(event, _USER_FIELDS)
    user = f"{domain}\\{user}" if domain and user and "\\" not in user else user
    ref = {k: event.get(k) for k in ("_source", "_offset", "EventRecordID", "EventID", "Channel") if k in event}
    return _Access(moment.astimezone(dt.UTC), kind, ip, address, user,
                   _first(event, ("Computer", "_host", "devname")), logon_type, ref)


def _names(values: Iterable[str]) -> frozenset[str]:
    return frozenset(v.strip().lower() for v in values if v.strip())


def _host_in(host: str, names: frozenset[str]) -> bool:
    name = host.strip().lower()
    return bool(name) and (name in names or name.split(".", 1)[0] in names)


def _account(user: str) -> str:
    return user.rsplit("\\", 1)[-1].split("@", 1)[0].lower()


def _matches(access: _Access, path: RemotePath, targets: frozenset[str], appliances: frozenset[str],
             accounts: frozenset[str]) -> bool:
    """Whether an access belongs to the path: from its sources, on its VPN appliance, or to its targets (RDP, or by a
    vendor account; a plain network logon to a target counts only with a vendor account)."""
    if access.address is not None and any(access.address.version == net.version and access.address in net
                                          for net in path.allowed_sources):
        return True
    if access.kind in ("vpn", "ras_vpn") and _host_in(access.host, appliances):
        return True
    if not _host_in(access.host, targets):
        return False
    by_vendor = bool(accounts) and _account(access.user) in accounts
    if accounts:
        return by_vendor
    return access.kind in ("rdp", "rd_gateway") or access.logon_type == "10"


def _approved(path: RemotePath, moment: dt.datetime,
              approvals: Sequence[tuple[str, dt.datetime, dt.datetime]]) -> bool:
    return any(code == path.code and start <= moment <= end for code, start, end in approvals)


#: EventIDs that may be a remote session: RDP (1149, 21, 25, 4778), RD Gateway (302, 303), RAS (20272).
ACCESS_EVENT_IDS = frozenset({1149, 21, 25, 4778, 302, 303, 20272})


def is_candidate(event: Mapping[str, Any]) -> bool:
    """Cheap first look: could this event be a remote access (`check_remote_access` decides)?"""
    action = event.get("_action")
    if action == "vpn_tunnel_up" or (action == "logon" and str(event.get("LogonType")) in ("3", "10")):
        return True
    return event.get("EventID") in ACCESS_EVENT_IDS


def check_remote_access(events: Iterable[Mapping[str, Any]], paths: Sequence[RemotePath], *,
                        approvals: Iterable[tuple[str, dt.datetime, dt.datetime]] = (),
                        holidays: Iterable[dt.date] | None = None, require_approval_records: bool = False,
                        session_gap: dt.timedelta = dt.timedelta(hours=4),
                        max_evidence: int = 20) -> list[OutOfWindowFinding]:
    """Remote access outside each path's schedule (see the module docstring), one finding per path, finding code,
    source IP and account per session; plus one "unparsed_window"/"no_window" finding per path whose text cannot
    be used. `approvals` are (path code, start, end) with aware datetimes; an approved access is never reported.
    Streams `events` once; memory grows with the number of remote accesses, not of events."""
    approved = list(approvals)
    schedules = {path.code: parse_windows(path.windows, holidays=holidays) for path in paths}
    lookups = [(path, _names(path.targets), _names(path.appliances), frozenset(_account(a) for a in path.accounts))
               for path in paths]
    hits: dict[str, list[tuple[str, _Access]]] = {path.code: [] for path in paths}
    unreadable: dict[str, int] = {path.code: 0 for path in paths}
    for event in events:
        access = _access(event)
        if access is None:
            continue
        for path, targets, appliances, accounts in lookups:
            if not _matches(access, path, targets, appliances, accounts):
                continue
            schedule = schedules[path.code]
            if schedule is None:
                unreadable[path.code] += 1
                continue
            if _approved(path, access.moment, approved):
                continue
            code = _verdict(schedule, access.moment, require_approval_records)
            if code is not None:
                hits[path.code].append((code, access))
    findings: list[OutOfWindowFinding] = []
    for path in paths:
        schedule = schedules[path.code]
        if schedule is None:
            findings.append(_unusable(path, unreadable[path.code]))
            continue
        findings += _grouped(path, schedule, hits[path.code], session_gap, max_evidence)
    findings.sort(key=lambda f: (f.first is None, f.first or dt.datetime.min.replace(tzinfo=dt.UTC), f.path_code))
    return findings


def _verdict(schedule: Schedule, moment: dt.datetime, require_approval_records: bool) -> str | None:
    if schedule.on_request_only:
        return "no_approval"
    if not schedule.allows(moment):
        return "out_of_window"
    if schedule.approval_required and require_approval_records and not schedule.always:
        return "no_approval_in_window"
    return None


def _grouped(path: RemotePath, schedule: Schedule, hits: list[tuple[str, _Access]], session_gap: dt.timedelta,
             max_evidence: int) -> list[OutOfWindowFinding]:
    sessions: dict[tuple[str, str, str], list[list[_Access]]] = {}
    for code, access in sorted(hits, key=lambda item: item[1].moment):
        runs = sessions.setdefault((code, access.ip, _account(access.user)), [])
        if runs and access.moment - runs[-1][-1].moment <= session_gap:
            runs[-1].append(access)
        else:
            runs.append([access])
    out: list[OutOfWindowFinding] = []
    for (code, _, _), runs in sessions.items():
        for run in runs:
            out.append(_finding(path, schedule, code, run, max_evidence))
    return out


def _label(path: RemotePath) -> str:
    return f"{path.code} {path.name}".strip()


def _jst(moment: dt.datetime) -> str:
    return moment.astimezone(JST).strftime("%Y-%m-%d %H:%M JST")


def _finding(path: RemotePath, schedule: Schedule, code: str, run: list[_Access],
             max_evidence: int) -> OutOfWindowFinding:
    first, last = run[0].moment, run[-1].moment
    ips = tuple(sorted({a.ip for a in run if a.ip}))
    users = tuple(sorted({a.user for a in run if a.user}))
    hosts = tuple(sorted({a.host for a in run if a.host}))
    kinds = tuple(sorted({a.kind for a in run}))
    known = all(schedule.holidays_known(a.moment) for a in run)
    final = "no_approval" if code == "no_approval_in_window" else code
    severity = "medium" if code == "no_approval_in_window" else "high"
    params: dict[str, Any] = {"count": len(run), "first": first, "last": last, "holidays_known": known,
                              "in_window": code == "no_approval_in_window", "on_request_only":
                              schedule.on_request_only}
    who = ", ".join(users) or "?"
    where = ", ".join(ips) or "?"
    if final == "out_of_window":
        en = (f"{_label(path)}: {len(run)} remote access event(s) outside the approved window "
              f"\u201c{schedule.text}\u201d, from {_jst(first)} to {_jst(last)} (source {where}, account {who}).")
        ja = (f"{_label(path)}：承認時間帯「{schedule.text}」外のリモートアクセスが {len(run)} 件あります"
              f"（{_jst(first)} ～ {_jst(last)}、接続元 {where}、アカウント {who}）。")
    else:
        en = (f"{_label(path)}: {len(run)} remote access event(s) with no approval record "
              f"(\u201c{schedule.text}\u201d), from {_jst(first)} to {_jst(last)} (source {where}, account {who}).")
        ja = (f"{_label(path)}：承認記録のないリモートアクセスが {len(run)} 件あります（「{schedule.text}」、"
              f"{_jst(first)} ～ {_jst(last)}、接続元 {where}、アカウント {who}）。")
    return OutOfWindowFinding(final, severity, path.code, path.name, path.vendor, schedule.text, first, last,
                              _jst(first), len(run), ips, users, hosts, kinds, params,
                              tuple(dict(a.ref, time=a.moment) for a in run[:max_evidence]), en, ja)


def _unusable(path: RemotePath, accesses: int) -> OutOfWindowFinding:
    text = path.windows.strip()
    code = "unparsed_window" if text else "no_window"
    if text:
        en = (f"{_label(path)}: the approved window \u201c{text}\u201d could not be read, so its "
              f"{accesses} remote access event(s) were not checked; write it like \u201c平日 9:00～18:00\u201d.")
        ja = (f"{_label(path)}：承認時間帯「{text}」を解釈できないため、リモートアクセス {accesses} 件を"
              f"確認できませんでした。「平日 9:00～18:00」のように記入してください。")
    else:
        en = (f"{_label(path)}: no approved window is recorded, so its {accesses} remote access event(s) "
              "were not checked.")
        ja = (f"{_label(path)}：承認時間帯が登録されていないため、リモートアクセス {accesses} 件を"
              "確認できませんでした。")
    return OutOfWindowFinding(code, "medium" if text else "low", path.code, path.name, path.vendor, text,
                              count=accesses, params={"count": accesses, "text": text}, message_en=en,
                              message_ja=ja)
