"""Alerts as the log pipeline records them, for the incident tests."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from mamori.monitoring.models import Alert
from mamori.tenancy.models import Facility

T0 = dt.datetime(2026, 11, 30, 17, 14, tzinfo=dt.UTC)  # 02:14 JST
_seq = itertools.count(1)


def alert(facility: Facility, *, title: str = "Shadow Copy or Backup Catalogue Deletion (Mamori)",
          tags: tuple[str, ...] = ("attack.impact", "attack.t1490"), level: str = "high",
          host: str = "EHR-AP1.hosp.local", kind: str = "rule", at: dt.datetime = T0, **fields: Any) -> Alert:
    n = next(_seq)
    values: dict[str, Any] = {
        "facility": facility, "kind": kind, "dedupe_key": f"k{n}", "rule_id": f"00000000-0000-0000-0000-{n:012d}",
        "rule_title": title, "rule_author": "Mamori project", "rule_level": level, "level": level, "tags": list(tags),
        "host": host, "first_seen": at, "last_seen": at + dt.timedelta(minutes=3), "count": 2}
    values.update(fields)
    return Alert.objects.create(**values)


VPN_BRUTEFORCE = {"title": "FortiGate SSL-VPN Brute Force Followed by a Tunnel (Mamori)",
                  "tags": ("attack.initial-access", "attack.t1133", "attack.t1110"), "level": "critical",
                  "host": "vpn-00001", "kind": "correlation"}
SPRAY = {"title": "Password Spraying from One Source (Mamori)",
         "tags": ("attack.credential-access", "attack.t1110.003"), "host": "dc01.hosp.local"}
