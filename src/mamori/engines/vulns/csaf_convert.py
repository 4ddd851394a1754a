"""A decoded CSAF 2.0 document to a `CsafAdvisory`, collecting every problem with its JSON path.

The product tree is walked at any depth: `vendor` branches give the vendor, `product_family` and
`product_name` branches the product (their names joined with " "), `product_version` and
`product_version_range` the version; other branch categories (architecture, language, patch_level, …)
only qualify the product, which keeps them in its `full_name`. Top-level `full_product_names` have
no vendor. A relationship makes a product of its own from its `product_reference`.

Every product id a vulnerability names must be defined in the tree. The one tolerance: in `scores`
and `remediations` an id that is the name of a product-name branch stands for every product under it,
because Fortinet's PSIRT advisories write `"products": ["FortiOS"]` there.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import msgspec

from mamori.engines.vulns import csaf_schema as schema
from mamori.engines.vulns.converter import RecordConverter
from mamori.engines.vulns.csaf_records import CsafAdvisory, CsafProduct, CsafRemediation, CsafVulnerability
from mamori.engines.vulns.records import CvssScore

__all__ = ["MAX_DEPTH", "convert_csaf"]

MAX_DEPTH = 40  # branches nested deeper than this are refused (real trees are 3 or 4 deep)
_NAME_BRANCHES = frozenset({"vendor", "product_family", "product_name"})
_VERSION_KINDS = {"product_version": "exact", "product_version_range": "range"}


@dataclass(frozen=True, slots=True)
class _Context:
    """What the branches above a product say about it."""

    vendor: str = ""
    names: tuple[str, ...] = ()
    version_text: str = ""
    version_kind: str = "none"

    def below(self, branch: schema.Branch) -> _Context:
        category = branch.category
        if category == "vendor":
            return _Context(branch.name.strip(), (), "", "none")
        if category in ("product_family", "product_name"):
            return _Context(self.vendor, (*self.names, branch.name.strip()), self.version_text, self.version_kind)
        kind = _VERSION_KINDS.get(category)
        if kind is not None:
            return _Context(self.vendor, self.names, branch.name.strip(), kind)
        return self


@dataclass
class _Tree:
    """The products found so far, and the product ids under each name branch."""

    conv: RecordConverter
    products: dict[str, CsafProduct] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)
    by_name: dict[str, list[str]] = field(default_factory=dict)
    groups: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def add(self, product: CsafProduct, where: str) -> None:
        if not product.product_id.strip():
            self.conv.problem(f"{where}.product_id", "empty product id", "csaf_bad_product_id", product.product_id)
        elif product.product_id in self.products:
            self.conv.problem(f"{where}.product_id", f"product id {product.product_id!r} is defined twice",
                              "csaf_duplicate_product_id", product.product_id)
        else:
            self.products[product.product_id] = product
            self.order.append(product.product_id)

    def known(self, product_id: str, where: str) -> bool:
        if product_id in self.products:
            return True
        self.conv.problem(where, f"unknown product id {product_id!r}: the product tree does not define it",
                          "csaf_unknown_product", product_id)
        return False

    def resolve(self, product_id: str, where: str) -> tuple[str, ...]:
        """A product id, or the name of a product branch standing for the products under it (see above)."""
        if product_id in self.products:
            return (product_id,)
        named = self.by_name.get(product_id)
        if named:
            return tuple(named)
        self.known(product_id, where)
        return ()


def _product(full: schema.FullProductName, context: _Context, tree: _Tree, where: str) -> CsafProduct:
    helper = full.product_identification_helper
    cpe = ""
    purls: tuple[str, ...] = ()
    models: tuple[str, ...] = ()
    if helper is not None:
        if helper.cpe:
            tree.conv.cpe(helper.cpe, f"{where}.product_identification_helper.cpe")
            cpe = helper.cpe
        purls = tuple(dict.fromkeys([*([helper.purl] if helper.purl else []), *helper.purls]))
        models = tuple(helper.model_numbers)
    product = " ".join(context.names) or full.name.strip()
    return CsafProduct(full.product_id, context.vendor, product, context.version_text, context.version_kind,
                       full.name, cpe, purls, models)


def _walk(branches: Sequence[schema.Branch], where: str, context: _Context, tree: _Tree, depth: int) -> None:
    if depth > MAX_DEPTH:
        tree.conv.problem(where, f"branches nested deeper than {MAX_DEPTH} levels", "csaf_too_deep", "")
        return
    for index, branch in enumerate(branches):
        here = f"{where}[{index}]"
        inner = context.below(branch)
        before = len(tree.products)
        if branch.product is not None:
            tree.add(_product(branch.product, inner, tree, f"{here}.product"), f"{here}.product")
        _walk(branch.branches, f"{here}.branches", inner, tree, depth + 1)
        if branch.category in _NAME_BRANCHES and len(tree.products) > before:
            tree.by_name.setdefault(branch.name.strip(), []).extend(tree.order[before:])


def _relationships(relationships: Sequence[schema.Relationship], tree: _Tree) -> None:
    for index, rel in enumerate(relationships):
        where = f"$.product_tree.relationships[{index}]"
        if not (tree.known(rel.product_reference, f"{where}.product_reference")
                and tree.known(rel.relates_to_product_reference, f"{where}.relates_to_product_reference")):
            continue
        base = tree.products[rel.product_reference]
        platform = tree.products[rel.relates_to_product_reference].full_name
        full = rel.full_product_name
        relation = rel.category.replace("_", " ")
        name = full.name if platform in full.name else f"{full.name} ({relation} {platform})"
        own = _product(full, _Context(), tree, f"{where}.full_product_name")
        tree.add(msgspec.structs.replace(base, product_id=full.product_id, full_name=name, cpe=own.cpe or base.cpe,
                                         purls=own.purls or base.purls,
                                         model_numbers=own.model_numbers or base.model_numbers,
                                         relation=rel.category, platform=platform),
                 f"{where}.full_product_name")


def _product_tree(tree_doc: schema.ProductTree, conv: RecordConverter) -> _Tree:
    tree = _Tree(conv)
    _walk(tree_doc.branches, "$.product_tree.branches", _Context(), tree, 1)
    for index, full in enumerate(tree_doc.full_product_names):
        where = f"$.product_tree.full_product_names[{index}]"
        tree.add(_product(full, _Context(), tree, where), where)
    _relationships(tree_doc.relationships, tree)
    for index, group in enumerate(tree_doc.product_groups):
        where = f"$.product_tree.product_groups[{index}].product_ids"
        tree.groups[group.group_id] = tuple(p for j, p in enumerate(group.product_ids)
                                            if tree.known(p, f"{where}[{j}]"))
    return tree


def _severity(version: str, score: float) -> str:
    if version.startswith("2"):
        return "LOW" if score < 4 else "MEDIUM" if score < 7 else "HIGH"
    if score == 0:
        return "NONE"
    return "LOW" if score < 4 else "MEDIUM" if score < 7 else "HIGH" if score < 9 else "CRITICAL"


def _scores(scores: Sequence[schema.Score], where: str, publisher: str, tree: _Tree) -> tuple[CvssScore, ...]:
    found: dict[CvssScore, None] = {}
    for index, score in enumerate(scores):
        for j, product_id in enumerate(score.products):
            tree.resolve(product_id, f"{where}[{index}].products[{j}]")
        for cvss in (score.cvss_v4, score.cvss_v3, score.cvss_v2):
            if cvss is not None:
                severity = cvss.base_severity.upper() or _severity(cvss.version, cvss.base_score)
                found[CvssScore(cvss.version, publisher, "Secondary", cvss.vector_string, cvss.base_score,
                                severity)] = None
    return tuple(found)


def _remediations(remediations: Sequence[schema.Remediation], where: str, tree: _Tree) -> tuple[CsafRemediation, ...]:
    found = []
    for index, rem in enumerate(remediations):
        here = f"{where}[{index}]"
        ids: list[str] = []
        for j, product_id in enumerate(rem.product_ids):
            ids.extend(tree.resolve(product_id, f"{here}.product_ids[{j}]"))
        for j, group_id in enumerate(rem.group_ids):
            group = tree.groups.get(group_id)
            if group is None:
                tree.conv.problem(f"{here}.group_ids[{j}]", f"unknown product group id {group_id!r}",
                                  "csaf_unknown_group", group_id)
            else:
                ids.extend(group)
        found.append(CsafRemediation(rem.category, rem.details, tuple(dict.fromkeys(ids)), rem.url))
    return tuple(found)


def _status(lists: Iterable[tuple[str, Sequence[str]]], where: str, tree: _Tree) -> tuple[str, ...]:
    ids: dict[str, None] = {}
    for name, values in lists:
        for index, product_id in enumerate(values):
            if tree.known(product_id, f"{where}.{name}[{index}]"):
                ids[product_id] = None
    return tuple(ids)


def _vulnerability(vuln: schema.Vulnerability, where: str, publisher: str, tree: _Tree) -> CsafVulnerability:
    conv = tree.conv
    cve_id = conv.cve_id(vuln.cve.strip(), f"{where}.cve") if vuln.cve else ""
    ids = tuple((i.system_name, i.text) for i in vuln.ids)
    title = vuln.title.strip() or ", ".join(text for _, text in ids) or cve_id
    status = vuln.product_status or schema.ProductStatus()
    here = f"{where}.product_status"
    return CsafVulnerability(
        cve_id=cve_id,
        title=title,
        cwes=(vuln.cwe.id,) if vuln.cwe is not None else (),
        known_affected=_status((("first_affected", status.first_affected), ("known_affected", status.known_affected),
                                ("last_affected", status.last_affected)), here, tree),
        known_not_affected=_status((("known_not_affected", status.known_not_affected),), here, tree),
        fixed=_status((("first_fixed", status.first_fixed), ("fixed", status.fixed)), here, tree),
        scores=_scores(vuln.scores, f"{where}.scores", publisher, tree),
        remediations=_remediations(vuln.remediations, f"{where}.remediations", tree),
        under_investigation=_status((("under_investigation", status.under_investigation),), here, tree),
        ids=ids,
    )


def convert_csaf(doc: schema.Csaf, filename: str, conv: RecordConverter) -> CsafAdvisory:
    """The advisory of a decoded document; problems go to `conv` (the caller refuses the file if any)."""
    document = doc.document
    tracking = document.tracking
    if not tracking.id.strip():
        conv.problem("$.document.tracking.id", "empty tracking id", "csaf_bad_tracking_id", tracking.id)
    initial = conv.time(tracking.initial_release_date, "$.document.tracking.initial_release_date")
    current = conv.time(tracking.current_release_date, "$.document.tracking.current_release_date")
    tree = _product_tree(doc.product_tree, conv)
    publisher = document.publisher.name.strip()
    vulnerabilities = tuple(_vulnerability(v, f"$.vulnerabilities[{i}]", publisher, tree)
                            for i, v in enumerate(doc.vulnerabilities))
    distribution = document.distribution
    tlp = distribution.tlp.label if distribution is not None and distribution.tlp is not None else ""
    return CsafAdvisory(
        filename=filename,
        tracking_id=tracking.id.strip(),
        title=document.title,
        publisher=publisher,
        publisher_namespace=document.publisher.namespace,
        category=document.category,
        status=tracking.status,
        version=tracking.version,
        initial_release_date=initial,
        current_release_date=current,
        tlp=tlp,
        references=tuple((r.summary, r.url) for r in document.references),
        products=tuple(tree.products.values()),
        vulnerabilities=vulnerabilities,
    )
