"""The demo hospital's facility record and network segments (fictional: まもり市立総合病院, 300 beds)."""

from __future__ import annotations

from mamori.demo.records import DemoFacility, DemoSegment

__all__ = ["FACILITY", "SEGMENTS", "SEGMENT_BY_KIND", "institution_code"]


def institution_code(prefecture: str, table: str, district: str, number: str) -> str:
    """医療機関コード: 都道府県(2) 点数表(1) 郡市区(2) 医療機関番号(4) and a Luhn check digit over those nine."""
    digits = prefecture + table + district + number
    total = 0
    for position, digit in enumerate(reversed(digits)):
        product = int(digit) * (2 if position % 2 == 0 else 1)
        total += product // 10 + product % 10
    return digits + str((10 - total % 10) % 10)


FACILITY = DemoFacility(code="mamori-city", name="まもり市立総合病院", kind="hospital", beds=300,
                        address="東京都まもり市中央一丁目1番1号",
                        institution_code=institution_code("13", "1", "23", "4567"))

# Each segment is a /16 (the DMZ a /24 holding only the fixed appliances), so 10,000+ assets fit.
SEGMENTS: tuple[DemoSegment, ...] = (
    DemoSegment("EHR", "電子カルテ系", "ehr", "10.10.0.0/16", 10),
    DemoSegment("DEPT", "部門系", "departmental", "10.20.0.0/16", 20),
    DemoSegment("MED", "医療機器系", "medical_device", "10.30.0.0/16", 30),
    DemoSegment("OFFICE", "事務系", "office", "10.40.0.0/16", 40),
    DemoSegment("DMZ", "DMZ", "dmz", "10.100.0.0/24", 100),
    DemoSegment("MAINT", "保守回線", "maintenance", "10.90.0.0/16", 90),
)
SEGMENT_BY_KIND: dict[str, DemoSegment] = {s.kind: s for s in SEGMENTS}
