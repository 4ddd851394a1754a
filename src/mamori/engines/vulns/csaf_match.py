"""Ledger devices against CSAF product trees by vendor, product and model name: for medical devices that
NVD gives no CPE for (vulnerability-intel.md §0.1). Every result is a `name` hit (要確認): a person confirms it.

    index = CsafIndex()
    index.add(read_csaf_file("icsma-23-248-01.json"))          # new / changed / unchanged / stale
    index.match(Device("PACS-1", "Softneta", ("MedDream PACS Premium",), "7.2.8.810"))
    # [NameMatch(cve_id="CVE-2023-40150", version_verdict="in_range", …), …]

Rules (names normalised as `csaf_names` says):

- The vendor must match: equal keys after folding, suffixes and the explicit alias table. No fuzzy
  similarity, so "Philips" never meets "Phillips Medical" unless the table says so.
- The product must match: the device name equals the advisory's product (`name_exact`), or holds every
  required token of it ("MedDream PACS Premium" holds "MedDream PACS"; never the other way round, so a
  device called "Alaris" does not meet "Alaris Systems Manager"). A model range in the advisory
  ("MX400-MX850") needs a device token inside it ("MX450"; "MX40" is outside).
- Only products a vulnerability affects (known/first/last affected, less fixed and not affected);
  under_investigation ones only when the index is asked to include them.
- The version: inside a range → in_range; equal to a listed version → equal; `vers:all/*` → all_versions;
  no device version → version_unknown; text that is no version (`<=N`) or versions that
  `versions.py` cannot order → incomparable, still returned. A version outside every range → no match.
- One match per (advisory, vulnerability, advisory product name), the best verdict of its versions.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from operator import attrgetter

import msgspec

from mamori.engines.vulns.csaf_names import (
    DeviceName,
    ProductForm,
    device_name,
    fold,
    product_forms,
    vendor_keys,
)
from mamori.engines.vulns.csaf_reasons import NAME_REASON_TEXTS, judge_version, reason_text
from mamori.engines.vulns.csaf_records import CsafAdvisory, CsafProduct
from mamori.engines.vulns.csaf_versions import CsafVersionSpec, parse_csaf_version
from mamori.engines.vulns.index import IndexChange
from mamori.engines.vulns.results import Reason

__all__ = ["NAME_REASON_TEXTS", "VERDICTS", "CsafIndex", "Device", "NameMatch", "reason_text"]

# Best first: how a match's version verdicts rank when one advisory product lists several versions.
VERDICTS = ("equal", "in_range", "all_versions", "incomparable", "version_unknown")
_RANK = {v: i for i, v in enumerate(VERDICTS)}
_NAME_REASONS = {"equal": "csaf_name_equal", "contains": "csaf_name_contains", "model": "csaf_model_match"}
_VERSION_VENDORS = ("fortinet", "citrix")  # vendors `normalize_version` knows build noise of
_CACHED_DEVICES = 100_000  # distinct device descriptions whose matches are kept
_CACHED_UNITS = 200_000  # distinct (manufacturer, name, version) whose candidates are kept
_LISTED = 10  # versions named in a csaf_versions_listed reason


class Device(msgspec.Struct, frozen=True, gc=False):
    """What the ledger knows of one asset, in plain words.

    `names`: model name, asset name, OS/firmware name, product names; `version` applies to each of them.
    `software`: (vendor, product, version) of installed software or SBOM components, matched on their own.
    """

    key: str
    manufacturer: str
    names: tuple[str, ...]
    version: str = ""
    software: tuple[tuple[str, str, str], ...] = ()


class NameMatch(msgspec.Struct, frozen=True, gc=False):
    """A CSAF vulnerability that may affect a device, with what matched and why (always 要確認).

    `cve_id` is "" for a vulnerability without CVE; `title` then names it.
    """

    key: str
    tracking_id: str
    cve_id: str
    product_id: str
    vendor: str
    product: str
    version_text: str
    matched_name: str
    matched_version: str
    name_exact: bool
    version_verdict: str
    reasons: tuple[Reason, ...]
    advisory_last_modified: datetime
    title: str = ""

    @property
    def reason(self) -> str:
        """All reasons as English text."""
        return "; ".join(reason_text(r) for r in self.reasons)


class _Vuln(msgspec.Struct, frozen=True, gc=False):
    number: int
    cve_id: str
    title: str
    investigating: bool


class _Entry(msgspec.Struct, frozen=True, eq=False, gc=False):
    """One affected product of one advisory, ready for matching."""

    tracking_id: str
    last_modified: datetime
    product: CsafProduct
    group: int  # the same for every version of one (vendor, product) in the advisory
    keys: frozenset[str]
    version_vendor: str
    forms: tuple[ProductForm, ...]
    spec: CsafVersionSpec
    vulns: tuple[_Vuln, ...]


class _Known(msgspec.Struct, frozen=True, gc=False):
    last_modified: datetime
    entries: tuple[_Entry, ...]


NameHit = tuple[str, ProductForm, str]  # how, form, models in range
Candidate = tuple[int, bool, _Entry, _Vuln, NameMatch]
Group = tuple[str, int, int]  # tracking id, vulnerability number, product group
_ORDER = attrgetter("tracking_id", "cve_id", "title", "product_id")


def _anchors(form: ProductForm) -> tuple[str, ...]:
    """The tokens a form is filed under: its longest required token and its model codes."""
    if form.required:
        return (max(form.required, key=lambda t: (len(t), t)), *sorted(form.model_codes))
    return ("#" + (form.models[0].prefix if form.models else ""),)


def _entries(advisory: CsafAdvisory, investigating: bool) -> tuple[_Entry, ...]:
    vulns: dict[str, list[_Vuln]] = {}
    for number, vuln in enumerate(advisory.vulnerabilities):
        for product_id in vuln.affected:
            vulns.setdefault(product_id, []).append(_Vuln(number, vuln.cve_id, vuln.title, False))
        if investigating:
            excluded = set(vuln.known_affected) | set(vuln.fixed) | set(vuln.known_not_affected)
            for product_id in vuln.under_investigation:
                if product_id not in excluded:
                    vulns.setdefault(product_id, []).append(_Vuln(number, vuln.cve_id, vuln.title, True))
    groups: dict[tuple[str, str], int] = {}
    found = []
    for product in advisory.products:
        keys = vendor_keys(product.vendor)
        if product.product_id not in vulns or not keys:
            continue  # a product no vulnerability affects, or one without a vendor to match
        group = groups.setdefault((product.vendor, product.product), len(groups))
        version_vendor = next((k for k in _VERSION_VENDORS if k in keys), "")
        spec = parse_csaf_version(product.version_text, product.version_kind, product=product.product)
        found.append(_Entry(advisory.tracking_id, advisory.current_release_date, product, group, keys,
                            version_vendor, product_forms(product.product, keys, product.vendor), spec,
                            tuple(vulns[product.product_id])))
    return tuple(found)


def _in_ranges(form: ProductForm, name: DeviceName) -> str | None:
    """The device's models inside each of the form's model ranges ("" when it has none), or None."""
    models = []
    for pattern in form.models:
        model = next((m[3] for m in name.models if pattern.covers(m)), None)
        if model is None:
            return None
        models.append(model)
    return ", ".join(models)


def _name(entry: _Entry, name: DeviceName) -> NameHit | None:
    """How the device name matches the advisory product ("equal", "contains", "model"), or None."""
    for form in entry.forms:
        if form.tokens == name.tokens:
            return "equal", form, ""
    for how in ("contains", "model"):
        for form in entry.forms:
            wanted = form.required if how == "contains" else form.model_codes
            if (how == "contains" or wanted) and wanted <= name.extended:
                models = _in_ranges(form, name)
                if models is not None:
                    return how, form, models
    return None


def _reasons(entry: _Entry, vuln: _Vuln, unit: tuple[str, str, str], found: NameHit,
             version_reasons: tuple[Reason, ...]) -> tuple[Reason, ...]:
    manufacturer, name, _ = unit
    product = entry.product
    how, form, model = found
    reasons = []
    if fold(manufacturer) != fold(product.vendor):
        reasons.append(Reason("csaf_vendor_alias", (("vendor", manufacturer), ("advisory_vendor", product.vendor))))
    names: tuple[tuple[str, object], ...] = (("name", name), ("product", product.product))
    if how == "model":
        names = (*names, ("models", ", ".join(sorted(form.model_codes))))
    reasons.append(Reason(_NAME_REASONS[how], names))
    if model:
        reasons.append(Reason("csaf_model_in_range", (("model", model),
                                                      ("models", ", ".join(p.text for p in form.models)))))
    reasons.extend(version_reasons)
    if entry.spec.condition:
        reasons.append(Reason("csaf_condition", (("condition", entry.spec.condition),)))
    if product.platform:
        reasons.append(Reason("csaf_platform", (("relation", product.relation.replace("_", " ")),
                                                ("platform", product.platform))))
    if form.excluded:
        reasons.append(Reason("csaf_excluded", (("excluded", form.excluded),)))
    if vuln.investigating:
        reasons.append(Reason("csaf_under_investigation", (("product", product.product),)))
    reasons.append(Reason("csaf_name_match", (("tracking_id", entry.tracking_id),)))
    return tuple(reasons)


def _collapse(candidates: list[Candidate]) -> NameMatch:
    """The best of one advisory product's matches; an unknown device version lists the versions it could be."""
    candidates.sort(key=lambda c: (c[0], not c[1]))
    best = candidates[0][4]
    if best.version_verdict == "version_unknown" and len(candidates) > 1:
        texts = list(dict.fromkeys(c[2].product.version_text for c in candidates))
        shown = ", ".join(texts[:_LISTED]) + (", …" if len(texts) > _LISTED else "")
        listed = Reason("csaf_versions_listed", (("count", len(texts)), ("product", best.product), ("versions", shown)))
        unknown = Reason("version_unknown", (("wanted", f"{len(texts)} listed versions"),))
        reasons = tuple(unknown if r.code == "version_unknown" else r for r in best.reasons[:-1])
        best = msgspec.structs.replace(best, reasons=(*reasons, listed, best.reasons[-1]))
    return best


class CsafIndex:
    """CSAF advisories ready for name matching, filed by vendor key and by one distinctive product token.

    A newer `current_release_date` of a known tracking id replaces the older advisory. Results are cached
    per distinct device description (fleets of identical devices) and dropped whenever the index changes.
    """

    def __init__(self, *, include_under_investigation: bool = False) -> None:
        self._investigating = include_under_investigation
        self._known: dict[str, _Known] = {}
        self._anchors: dict[tuple[str, str], list[_Entry]] | None = None
        self._vendors: frozenset[str] = frozenset()  # the vendor keys of the anchors
        self._cache: dict[tuple[object, ...], tuple[NameMatch, ...]] = {}
        self._units: dict[tuple[str, str, str], tuple[tuple[Group, Candidate], ...]] = {}

    def __len__(self) -> int:
        return len(self._known)

    def __contains__(self, tracking_id: object) -> bool:
        return tracking_id in self._known

    def last_modified(self, tracking_id: str) -> datetime | None:
        """The `current_release_date` of the indexed version of an advisory, or None."""
        known = self._known.get(tracking_id)
        return known.last_modified if known else None

    def vendor_keys_of(self, tracking_id: str) -> frozenset[str]:
        """The vendor keys an advisory is filed under: the devices to re-match when it changes."""
        known = self._known.get(tracking_id)
        return frozenset(k for e in known.entries for k in e.keys) if known else frozenset()

    def add(self, advisory: CsafAdvisory) -> IndexChange:
        """Index an advisory: "new", "changed" (a newer release), "unchanged" or "stale" (an older one)."""
        known = self._known.get(advisory.tracking_id)
        change = IndexChange.NEW
        if known is not None:
            if advisory.current_release_date < known.last_modified:
                return IndexChange.STALE
            if advisory.current_release_date == known.last_modified:
                return IndexChange.UNCHANGED
            change = IndexChange.CHANGED
        self._known[advisory.tracking_id] = _Known(advisory.current_release_date,
                                                   _entries(advisory, self._investigating))
        self._forget()
        return change

    def add_all(self, advisories: Iterable[CsafAdvisory]) -> dict[IndexChange, int]:
        """Index many advisories; how many of each kind of change."""
        counts = dict.fromkeys(IndexChange, 0)
        for advisory in advisories:
            counts[self.add(advisory)] += 1
        return counts

    def remove(self, tracking_id: str) -> bool:
        """Forget an advisory; False when it was not indexed."""
        if self._known.pop(tracking_id, None) is None:
            return False
        self._forget()
        return True

    def _forget(self) -> None:
        self._anchors = None
        self._cache.clear()
        self._units.clear()

    def _anchor_index(self) -> dict[tuple[str, str], list[_Entry]]:
        if self._anchors is None:
            anchors: dict[tuple[str, str], list[_Entry]] = {}
            for known in self._known.values():
                for entry in known.entries:
                    for key in entry.keys:
                        for anchor in dict.fromkeys(a for f in entry.forms for a in _anchors(f)):
                            anchors.setdefault((key, anchor), []).append(entry)
            self._anchors = anchors
            self._vendors = frozenset(key for key, _anchor in anchors)
        return self._anchors

    def _candidates(self, keys: frozenset[str], name: DeviceName) -> dict[int, _Entry]:
        anchors = self._anchor_index()
        lookups = {*name.extended, "#", *("#" + m[0] for m in name.models)}
        found: dict[int, _Entry] = {}
        for key in keys:
            for token in lookups:
                for entry in anchors.get((key, token), ()):
                    found[id(entry)] = entry
        return found

    def _unit(self, unit: tuple[str, str, str]) -> tuple[tuple[Group, Candidate], ...]:
        """The candidates of one (manufacturer, name, version), cached: a fleet repeats its model names."""
        found = self._units.get(unit)
        if found is None:
            if len(self._units) >= _CACHED_UNITS:
                self._units.clear()
            found = self._units[unit] = self._match_unit(unit)
        return found

    def _match_unit(self, unit: tuple[str, str, str]) -> tuple[tuple[Group, Candidate], ...]:
        manufacturer, name_text, version = unit
        keys = vendor_keys(manufacturer)
        if not keys or not name_text.strip():
            return ()
        self._anchor_index()
        if keys.isdisjoint(self._vendors):
            return ()  # no advisory names this vendor: the name need not be read (most of a hospital's PCs)
        name = device_name(name_text, keys, manufacturer)
        into: list[tuple[Group, Candidate]] = []
        for entry in self._candidates(keys, name).values():
            found = _name(entry, name)
            if found is None:
                continue
            judged = judge_version(entry.spec, version, entry.version_vendor)
            if judged is None:
                continue
            verdict, version_reasons = judged
            product = entry.product
            for vuln in entry.vulns:
                exact = found[0] == "equal"
                match = NameMatch("", entry.tracking_id, vuln.cve_id, product.product_id, product.vendor,
                                  product.product, product.version_text, name_text, version, exact, verdict,
                                  _reasons(entry, vuln, unit, found, version_reasons), entry.last_modified,
                                  vuln.title)
                group = (entry.tracking_id, vuln.number, entry.group)
                into.append((group, (_RANK[verdict], exact, entry, vuln, match)))
        return tuple(into)

    def _match(self, device: Device) -> tuple[NameMatch, ...]:
        units = [(device.manufacturer, n, device.version) for n in device.names]
        units.extend(device.software)
        grouped: dict[Group, list[Candidate]] = {}
        for unit in units:
            for group, candidate in self._unit(unit):
                grouped.setdefault(group, []).append(candidate)
        return tuple(sorted((_collapse(c) for c in grouped.values()), key=_ORDER))

    def match(self, device: Device) -> list[NameMatch]:
        """Every CSAF vulnerability that may affect the device (see the module docstring), by tracking id."""
        signature = (device.manufacturer, device.names, device.version, device.software)
        found = self._cache.get(signature)
        if found is None:
            if len(self._cache) >= _CACHED_DEVICES:
                self._cache.clear()
            found = self._cache[signature] = self._match(device)
        return [msgspec.structs.replace(m, key=device.key) for m in found]

    def match_all(self, devices: Iterable[Device]) -> Iterator[tuple[Device, list[NameMatch]]]:
        """Each device with its matches."""
        for device in devices:
            yield device, self.match(device)
