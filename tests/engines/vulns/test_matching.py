"""One criteria against one asset CPE: exact, possible (要確認) with the reason, or no."""

from __future__ import annotations

import pytest

from mamori.engines.vulns import MatchTier, judge, parse_cpe
from mamori.engines.vulns.versions import VersionRange

EXACT, POSSIBLE = MatchTier.EXACT, MatchTier.POSSIBLE


def _judge(criteria: str, asset: str, bounds: VersionRange | None = None) -> tuple[MatchTier, str] | None:
    found = judge(parse_cpe("cpe:2.3:" + criteria), bounds, parse_cpe("cpe:2.3:" + asset))
    return None if found is None else (found.tier, found.code)


FORTIOS_6 = VersionRange(start_including="6.0.0", end_excluding="6.0.5")


@pytest.mark.parametrize(("criteria", "bounds", "asset", "expected"), [
    # ranges
    ("o:fortinet:fortios:*", FORTIOS_6, "o:fortinet:fortios:6.0.4", (EXACT, "in_range")),
    ("o:fortinet:fortios:*", FORTIOS_6, "o:fortinet:fortios:6.0.5", None),
    ("o:fortinet:fortios:*", FORTIOS_6, "o:fortinet:fortios", (POSSIBLE, "version_unknown")),
    ("o:fortinet:fortios:*", FORTIOS_6, "o:fortinet:fortios:-", (POSSIBLE, "version_unknown")),
    ("o:fortinet:fortios:*", FORTIOS_6, "o:fortinet:fortios:6.0.5beta", (EXACT, "in_range")),  # before 6.0.5
    ("o:fortinet:fortios:*", FORTIOS_6, "o:fortinet:fortios:6.0.5a", (POSSIBLE, "bound_incomparable")),
    ("o:fortinet:fortios:*", FORTIOS_6, "a:fortinet:fortios:6.0.4", None),  # wrong part
    ("o:fortinet:fortios:*", FORTIOS_6, "o:fortinet:fortiproxy:6.0.4", None),
    # exact versions
    ("o:citrix:application_delivery_controller_firmware:13.0", None,
     "o:citrix:application_delivery_controller_firmware:13.0", (EXACT, "version_equal")),
    ("o:citrix:application_delivery_controller_firmware:13.0", None,
     "o:citrix:application_delivery_controller_firmware:13.1", None),
    ("o:citrix:application_delivery_controller_firmware:13.0", None,
     "o:citrix:application_delivery_controller_firmware:13.0-47.24", (POSSIBLE, "record_less_specific")),
    ("o:citrix:application_delivery_controller_firmware:13.0-47.24", None,
     "o:citrix:application_delivery_controller_firmware:13.0", None),  # literal: 13.0 is before build 47.24
    ("a:philips:patient_information_center_ix:c.02", None, "a:philips:patient_information_center_ix:C.02",
     (EXACT, "version_equal")),
    ("o:juniper:junos:15.1", None, "o:juniper:junos:15.1x53", (POSSIBLE, "record_less_specific")),
    ("o:juniper:junos:15.1:r1", None, "o:juniper:junos:15.1x53", None),  # the record pins release r1
    ("a:example:tool:1.0a", None, "a:example:tool:1.0.1", (POSSIBLE, "version_incomparable")),
    ("a:example:tool:2.0", None, "a:example:tool", (POSSIBLE, "version_unknown")),
    ("a:example:tool:2.0", None, "a:example:tool:-", None),
    # every version, no version
    ("a:example:tool:*", None, "a:example:tool:1.2", (EXACT, "all_versions")),
    ("a:apache:http_server:-", None, "a:apache:http_server:2.4.1", (POSSIBLE, "record_without_version")),
    ("a:apache:http_server:-", None, "a:apache:http_server:-", (EXACT, "no_version")),
    ("a:apache:http_server:-", None, "a:apache:http_server", (POSSIBLE, "version_unknown")),
    ("h:citrix:application_delivery_controller:-", None, "h:citrix:application_delivery_controller",
     (EXACT, "no_version")),  # hardware models have no version in NVD
    # the update field (Pulse/Ivanti)
    ("a:ivanti:connect_secure:9.0:r3.3", None, "a:ivanti:connect_secure:9.0:r3.3", (EXACT, "update_equal")),
    ("a:ivanti:connect_secure:9.0:r3.3", None, "a:ivanti:connect_secure:9.0:r3.4", None),
    ("a:ivanti:connect_secure:9.0:r3.3", None, "a:ivanti:connect_secure:9.0", (POSSIBLE, "update_unknown")),
    ("a:ivanti:connect_secure:9.0:r3.3", None, "a:ivanti:connect_secure:9.0:-", None),
    ("a:ivanti:connect_secure:9.0:r3.3", None, "a:ivanti:connect_secure:9.0r3.3", (EXACT, "update_in_version")),
    ("a:ivanti:connect_secure:9.0:r3.3", None, "a:ivanti:connect_secure:9.0R3.4", None),
    ("a:ivanti:connect_secure:9.0:r3.3", None, "a:ivanti:connect_secure:9.0.1", None),
    ("a:ivanti:connect_secure:8.3:r1", None, "a:ivanti:connect_secure:8.3:r1.0", (EXACT, "update_equal")),
    ("a:ivanti:connect_secure:8.2:r1.0", None, "a:ivanti:connect_secure:8.2r1", (EXACT, "update_in_version")),
    ("a:ivanti:connect_secure:9.0:r3.3", None, "a:pulsesecure:pulse_connect_secure:9.0:r3.3",
     (EXACT, "update_equal")),  # renamed product
    ("o:juniper:screenos:6.3.0r12", None, "o:juniper:screenos:6.3.0:r12", (EXACT, "version_in_update")),
    ("a:ivanti:connect_secure:9.0", None, "a:ivanti:connect_secure:9.0R3.3", (POSSIBLE, "record_less_specific")),
    ("o:microsoft:windows_10:1607:-", None, "o:microsoft:windows_10:1607", (POSSIBLE, "update_unknown")),
    ("o:microsoft:windows_10:1607:-", None, "o:microsoft:windows_10:1607:-", (EXACT, "version_equal")),
    ("o:microsoft:windows_server_2008:*:sp2", None, "o:microsoft:windows_server_2008:r2:sp1", None),
    # other attributes
    ("a:example:plugin:2.1:*:*:*:*:wordpress", None, "a:example:plugin:2.1", (POSSIBLE, "attribute_unknown")),
    ("a:example:plugin:2.1:*:*:*:*:wordpress", None, "a:example:plugin:2.1:*:*:*:*:wordpress",
     (EXACT, "version_equal")),
    ("a:example:plugin:2.1:*:*:*:*:wordpress", None, "a:example:plugin:2.1:*:*:*:*:joomla", None),
    ("a:example:plugin:2.1:*:*:*:*:*:x64", None, "a:example:plugin:2.1:*:*:*:*:*:x*", (POSSIBLE,
                                                                                        "attribute_incomparable")),
    # wildcard vendor (NVD has a few)
    ("a:*:openssl:1.0.1", None, "a:openssl:openssl:1.0.1", (EXACT, "version_equal")),
])
def test_a_criteria_against_an_asset_cpe(criteria: str, bounds: VersionRange | None, asset: str,
                                         expected: tuple[MatchTier, str] | None) -> None:
    assert _judge(criteria, asset, bounds) == expected


def test_a_possible_match_says_what_is_missing_in_words() -> None:
    found = judge(parse_cpe("cpe:2.3:a:ivanti:connect_secure:9.0:r3.3"), None,
                  parse_cpe("cpe:2.3:a:ivanti:connect_secure:9.0"))
    assert found is not None
    assert found.reason == "the record names update r3.3; the asset's update is not recorded"


def test_an_incomparable_bound_is_named() -> None:
    bounds = VersionRange(start_including="20d29", end_including="20d32")
    found = judge(parse_cpe("cpe:2.3:o:baxter:spectrum_wireless_battery_module_firmware:*"), bounds,
                  parse_cpe("cpe:2.3:o:baxter:spectrum_wireless_battery_module_firmware:20"))
    assert found is not None and found.tier is POSSIBLE
    assert found.reason == "version 20 cannot be compared with the bound 20d29 of >= 20d29, <= 20d32"


def test_an_exact_match_with_a_missing_attribute_becomes_possible_and_keeps_both_reasons() -> None:
    found = judge(parse_cpe("cpe:2.3:a:example:plugin:*:*:*:*:*:wordpress"), VersionRange(end_excluding="3.0"),
                  parse_cpe("cpe:2.3:a:example:plugin:2.0"))
    assert found is not None and (found.tier, found.code) == (POSSIBLE, "attribute_unknown")
    assert found.reason == ("the record requires target_sw wordpress; the asset's target_sw is not recorded; "
                            "version 2.0 is within < 3.0")
