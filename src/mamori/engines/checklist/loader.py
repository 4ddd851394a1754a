"""Reads the MHLW checklist definitions: one YAML file per fiscal year and form, checked line by line.

The data folder (by default the packaged `mamori/checklist_data`) holds `fy<YYYY>/<form>.yaml`, e.g.
`fy2025/hospital.yaml`, `fy2025/pharmacy.yaml`, `fy2025/vendor.yaml`; a new fiscal year is a new folder and
nothing else. A file is one YAML mapping, UTF-8, at most 1 MiB, without anchors, aliases or tags::

    fiscal_year: 2025                      # 2023..2100 (2025 = 令和7年度)
    form: hospital                         # hospital | pharmacy | vendor
    title: 医療機関におけるサイバーセキュリティ対策チェックリスト
    version: 令和7年5月
    source: where the wording comes from (URL, description)
    sections: [{number: "1", title: 体制構築}, ...]
    items:
      - number: "2-⑬"                      # unique; starts with "<section>-"
        section: "2"                       # one of the sections' numbers
        wording: 接続元制限を実施している。   # the item as the form prints it
        wording_status: confirmed          # confirmed | reconstructed
        targets: [network]                 # optional: all | server | terminal | network
        deadline: 2027-04-01               # optional ISO date, with deadline_text 「令和9年度までに」
        guidance: …                        # optional, like guideline_refs: [...], evidence_rule: code, source: …

Every problem of a file (or of a folder, for `load_all`) is reported at once in one ChecklistDataError, each as
"file, line N, field: reason"; nothing of a bad file is returned.
"""

from __future__ import annotations

import datetime as dt
import re
from importlib.resources import files
from pathlib import Path
from typing import NoReturn, TypeVar

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from mamori.engines.checklist.model import ChecklistDefinition, Form, ItemDefinition, Section, Target, Wording
from mamori.engines.errors import InputError, InputLocation

__all__ = ["MAX_BYTES", "ChecklistDataError", "ChecklistNotFoundError", "available", "find", "load_all",
           "load_definition"]

MAX_BYTES = 1024 * 1024
MAX_DEPTH = 8  # the format needs 4 levels (file, items, item, targets); deeper is refused before composing
SHOWN = 50  # problems spelt out in the message; all of them are in `problems`
KEPT = 1000
_YAML = "tag:yaml.org,2002:"
_TOP = {"fiscal_year": True, "form": True, "title": True, "version": True, "source": True, "sections": True,
        "items": True}  # key: required
_SECTION = {"number": True, "title": True}
_ITEM = {"number": True, "section": True, "wording": True, "wording_status": True, "targets": False,
         "deadline": False, "deadline_text": False, "guidance": False, "guideline_refs": False,
         "evidence_rule": False, "source": False}
_RULE = re.compile(r"[a-z][a-z0-9_]*", re.ASCII)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_YEAR = re.compile(r"\d{4}", re.ASCII)
_PLACE = re.compile(r"fy(\d{4})/([a-z]+)\.yaml", re.ASCII)
_FORMS = [form.value for form in Form]
_Choice = TypeVar("_Choice", Form, Target, Wording)
_WHAT = {"str": "text", "int": "a whole number", "timestamp": "a date"}


class ChecklistDataError(InputError):
    """A checklist data file (or folder) that cannot be used; `problems` lists every problem, each with its place."""

    def __init__(self, reason: str, location: InputLocation | None = None,
                 problems: tuple[ChecklistDataError, ...] = (), *, code: str = "checklist_invalid",
                 params: dict[str, object] | None = None) -> None:
        super().__init__(reason, location, code=code, params=params)
        self.problems = problems or (self,)


class ChecklistNotFoundError(ChecklistDataError):
    """No definition for the fiscal year and form asked for; params["available"] lists those there are."""


class _Problems:
    """The problems found in one file, each with its line and field."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.found: list[ChecklistDataError] = []

    def add(self, line: int | None, field: str | None, reason: str, code: str = "checklist_invalid") -> None:
        if len(self.found) < KEPT:
            self.found.append(ChecklistDataError(reason, InputLocation(self.name, line, field), code=code))

    def at(self, node: Node, field: str | None, reason: str, code: str = "checklist_bad_value") -> None:
        self.add(_line(node), field, reason, code)


def _line(node: Node | yaml.Event) -> int:
    mark = node.start_mark
    return int(mark.line) + 1 if mark is not None else 0


def _raise(problems: list[ChecklistDataError], where: str) -> NoReturn:
    if len(problems) == 1:
        raise problems[0]
    if not problems:
        raise ChecklistDataError("no definition could be read", InputLocation(where))
    shown = "\n".join(str(p) for p in problems[:SHOWN])
    more = f"\n… and {len(problems) - SHOWN} more" if len(problems) > SHOWN else ""
    raise ChecklistDataError(f"{len(problems)} problems:\n{shown}{more}", InputLocation(where), tuple(problems),
                             params={"problems": [str(p) for p in problems]})


def _decode(data: bytes, p: _Problems) -> str | None:
    start = 3 if data.startswith(b"\xef\xbb\xbf") else 0  # a byte-order mark is allowed
    try:
        return data[start:].decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = start + exc.start
        hint = ""
        try:
            data.decode("cp932")
            hint = " – it looks like CP932 (Shift_JIS): save it as UTF-8"
        except UnicodeDecodeError:
            pass
        p.add(data.count(b"\n", 0, offset) + 1, None, f"not UTF-8: byte 0x{data[offset]:02X} at byte offset "
              f"{offset} cannot be decoded{hint}", "checklist_encoding")
        return None


def _compose(text: str, p: _Problems) -> Node | None:
    """The file's node tree, after refusing anchors, aliases and deep nesting (checked on the events first)."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent):
                p.add(_line(event), None, f"alias *{event.anchor}: anchors and aliases are not allowed",
                      "checklist_alias")
            elif isinstance(event, yaml.NodeEvent) and event.anchor is not None:
                p.add(_line(event), None, f"anchor &{event.anchor}: anchors and aliases are not allowed",
                      "checklist_alias")
            if isinstance(event, yaml.ScalarEvent | yaml.CollectionStartEvent) and event.tag is not None:
                p.add(_line(event), None, f"tag {event.tag}: tags are not allowed", "checklist_tag")
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    p.add(_line(event), None, f"nested deeper than {MAX_DEPTH} levels", "checklist_too_deep")
                    return None
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
        return None if p.found else yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"column {mark.column + 1}: " if mark else ""
        what = ", ".join(str(part) for part in (exc.context, exc.problem) if part)
        p.add(mark.line + 1 if mark else None, None, f"{where}YAML syntax error: {what}", "checklist_yaml_syntax")
    except yaml.YAMLError as exc:  # the reader's "unacceptable character", which has a position but no mark
        position = getattr(exc, "position", None)
        p.add(text.count("\n", 0, position) + 1 if isinstance(position, int) else None, None,
              f"YAML error: {exc}", "checklist_yaml_syntax")
    return None


def _mapping(node: Node, keys: dict[str, bool], p: _Problems, field: str) -> dict[str, Node] | None:
    """The mapping's values by key, after reporting unknown, repeated and missing keys."""
    if not isinstance(node, MappingNode):
        p.at(node, field or None, "expected a mapping (key: value lines)")
        return None
    found: dict[str, Node] = {}
    empty: set[str] = set()
    for key, value in node.value:
        name = key.value if isinstance(key, ScalarNode) and key.tag == _YAML + "str" else None
        where = f"{field}.{name}" if field and name else name or field or None
        if name is None or name not in keys:
            p.at(key, where, f"unknown key {key.value if isinstance(key, ScalarNode) else '(not text)'!r}; "
                 f"expected one of {', '.join(keys)}", "checklist_unknown_key")
        elif name in found or name in empty:
            p.at(key, where, "key repeated", "checklist_duplicate")
        elif _is_null(value):
            empty.add(name)
            if keys[name]:
                p.at(value, where, "empty (required)", "checklist_missing_key")
        else:
            found[name] = value
    for name, required in keys.items():
        if required and name not in found and name not in empty:
            p.at(node, f"{field}.{name}" if field else name, "missing (required)", "checklist_missing_key")
    return found


def _is_null(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.tag == _YAML + "null"


def _scalar(node: Node, p: _Problems, field: str, tags: tuple[str, ...] = ("str",)) -> str | None:
    if isinstance(node, ScalarNode) and node.tag in tuple(_YAML + tag for tag in tags):
        return str(node.value).strip()
    shown = repr(node.value) if isinstance(node, ScalarNode) else "a list or mapping"
    p.at(node, field, f"expected {_WHAT.get(tags[-1], tags[-1])}, found {shown}")
    return None


def _text(values: dict[str, Node], key: str, p: _Problems, field: str, *, empty_ok: bool = True) -> str:
    node = values.get(key)
    if node is None:
        return ""
    text = _scalar(node, p, field + key, ("str", "int") if key in {"number", "section"} else ("str",))
    if text == "" and not empty_ok:
        p.at(node, field + key, "empty")
    return text or ""


def _choice(node: Node, kind: type[_Choice], p: _Problems, field: str) -> _Choice | None:
    text = _scalar(node, p, field)
    if text is None:
        return None
    try:
        return kind(text)
    except ValueError:
        p.at(node, field, f"{text!r} is not one of {', '.join(member.value for member in kind)}")
        return None


def _list(node: Node | None, p: _Problems, field: str) -> list[Node]:
    if node is None:
        return []
    if not isinstance(node, SequenceNode):
        p.at(node, field, "expected a list")
        return []
    return list(node.value)


def _date(node: Node | None, p: _Problems, field: str) -> dt.date | None:
    if node is None:
        return None
    text = _scalar(node, p, field, ("str", "timestamp"))
    if text is None:
        return None
    try:
        if _DATE.fullmatch(text):
            return dt.date.fromisoformat(text)
    except ValueError:
        pass
    p.at(node, field, f"not a date (YYYY-MM-DD): {text!r}")
    return None


def _fiscal_year(node: Node | None, p: _Problems) -> int:
    if node is None:
        return 0
    text = _scalar(node, p, "fiscal_year", ("int",))
    if text is not None and (not _YEAR.fullmatch(text) or not 2023 <= int(text) <= 2100):
        p.at(node, "fiscal_year", f"not a year from 2023 to 2100: {text!r}")
    return int(text) if text and _YEAR.fullmatch(text) else 0


def _sections(node: Node | None, p: _Problems) -> tuple[Section, ...]:
    sections: list[Section] = []
    seen: dict[str, int] = {}
    for index, section_node in enumerate(_list(node, p, "sections")):
        field = f"sections[{index + 1}]."
        values = _mapping(section_node, _SECTION, p, field[:-1])
        if values is None:
            continue
        number = _text(values, "number", p, field, empty_ok=False)
        if number in seen:
            p.at(section_node, field + "number", f"section {number!r} repeated (first on line {seen[number]})",
                 "checklist_duplicate")
        seen.setdefault(number, _line(section_node))
        sections.append(Section(number, _text(values, "title", p, field, empty_ok=False)))
    if node is not None and not sections and isinstance(node, SequenceNode):
        p.at(node, "sections", "empty")
    return tuple(sections)


def _targets(node: Node | None, p: _Problems, field: str) -> tuple[Target, ...]:
    targets: list[Target] = []
    for target_node in _list(node, p, field):
        target = _choice(target_node, Target, p, field)
        if target in targets:
            p.at(target_node, field, f"{target} repeated")
        elif target is not None:
            targets.append(target)
    if Target.ALL in targets and len(targets) > 1:
        p.add(_line(node) if node else None, field, "all (医療情報システム全般) cannot be combined with other targets")
    return tuple(targets)


def _refs(node: Node | None, p: _Problems, field: str) -> tuple[str, ...]:
    refs: list[str] = []
    for ref_node in _list(node, p, field):
        ref = _scalar(ref_node, p, field)
        if ref == "":
            p.at(ref_node, field, "empty")
        elif ref is not None:
            refs.append(ref)
    return tuple(refs)


def _name(node: Node, index: int) -> str:
    """How an item is named in messages: items[2-⑬], or items[#3] (the third) if its number is unusable."""
    if isinstance(node, MappingNode):
        for key, value in node.value:
            if isinstance(key, ScalarNode) and key.value == "number" and isinstance(value, ScalarNode) \
                    and str(value.value).strip():
                return f"items[{str(value.value).strip()}]"
    return f"items[#{index}]"


def _item(node: Node, index: int, sections: set[str], p: _Problems) -> ItemDefinition | None:
    field = _name(node, index)
    values = _mapping(node, _ITEM, p, field)
    if values is None:
        return None
    field += "."
    number = _text(values, "number", p, field, empty_ok=False)
    section = _text(values, "section", p, field)
    if "section" in values and section not in sections:
        p.at(values["section"], field + "section", f"section {section!r} is not among the sections "
             f"({', '.join(sorted(sections))})")
    elif number and section and not number.startswith(section + "-"):
        p.at(values["number"], field + "number", f"{number!r} does not start with its section {section + '-'!r}")
    wording = _text(values, "wording", p, field, empty_ok=False)
    status = _choice(values["wording_status"], Wording, p, field + "wording_status") \
        if "wording_status" in values else None
    targets = _targets(values.get("targets"), p, field + "targets")
    deadline = _date(values.get("deadline"), p, field + "deadline")
    refs = _refs(values.get("guideline_refs"), p, field + "guideline_refs")
    rule = _text(values, "evidence_rule", p, field)
    if rule and not _RULE.fullmatch(rule):
        p.at(values["evidence_rule"], field + "evidence_rule", f"not a rule code (lower_case_words): {rule!r}")
    texts = {key: _text(values, key, p, field) for key in ("deadline_text", "guidance", "source")}
    if status is None:
        return None
    return ItemDefinition(number=number, section=section, wording=wording, wording_status=status, targets=targets,
                          deadline=deadline, guideline_refs=refs, evidence_rule=rule, line=_line(node), **texts)


def _items(node: Node | None, sections: tuple[Section, ...], p: _Problems) -> tuple[ItemDefinition, ...]:
    items: list[ItemDefinition] = []
    seen: dict[str, int] = {}
    numbers = {section.number for section in sections}
    for index, item_node in enumerate(_list(node, p, "items"), 1):
        item = _item(item_node, index, numbers, p)
        if item is None or not item.number:
            continue
        if item.number in seen:
            p.at(item_node, f"items[{item.number}].number", f"item {item.number!r} repeated (first on line "
                 f"{seen[item.number]})", "checklist_duplicate")
        seen.setdefault(item.number, item.line)
        items.append(item)
    if isinstance(node, SequenceNode) and not node.value:
        p.at(node, "items", "empty")
    return tuple(items)


def _definition(root: Node, p: _Problems) -> ChecklistDefinition | None:
    values = _mapping(root, _TOP, p, "")
    if values is None:
        return None
    fiscal_year = _fiscal_year(values.get("fiscal_year"), p)
    form = _choice(values["form"], Form, p, "form") if "form" in values else None
    sections = _sections(values.get("sections"), p)
    items = _items(values.get("items"), sections, p)
    title, version = _text(values, "title", p, "", empty_ok=False), _text(values, "version", p, "", empty_ok=False)
    _text(values, "source", p, "", empty_ok=False)  # checked, but the model has no field for it (yet)
    if form is None or p.found:
        return None
    return ChecklistDefinition(fiscal_year, form, title, version, sections, items, source=p.name)


def _parse(path: Path, name: str, p: _Problems) -> ChecklistDefinition | None:
    try:
        with path.open("rb") as raw:
            data = raw.read(MAX_BYTES + 1)
    except OSError as exc:
        p.add(None, None, f"cannot read the file: {exc.strerror or exc}", "checklist_unreadable")
        return None
    if len(data) > MAX_BYTES:
        p.add(None, None, f"larger than {MAX_BYTES:,} bytes: refused", "checklist_too_large")
        return None
    text = _decode(data, p)
    root = _compose(text, p) if text is not None else None
    if root is None:
        if not p.found:
            p.add(1, None, "the file is empty", "checklist_empty")
        return None
    return _definition(root, p)


def load_definition(path: Path) -> ChecklistDefinition:
    """The definition in one YAML file; a ChecklistDataError lists every problem ("file, line N, field: reason")."""
    return _load(path, str(path))


def _load(path: Path, name: str) -> ChecklistDefinition:
    p = _Problems(name)
    definition = _parse(path, name, p)
    if definition is None or p.found:
        _raise(p.found, name)
    return definition


def _default_folder() -> Path:
    root = files("mamori.checklist_data")
    if not isinstance(root, Path):
        raise ChecklistDataError(f"the packaged checklist data is not a folder on disk: {root}",
                                 code="checklist_unreadable")
    return root


def _files(folder: Path) -> list[tuple[Path, str]]:
    if not folder.is_dir():
        raise ChecklistDataError("not a folder", InputLocation(str(folder)), code="checklist_unreadable")
    found = [(path, path.relative_to(folder).as_posix()) for path in folder.rglob("*")
             if path.suffix in {".yaml", ".yml"} and not path.name.startswith(".") and not path.is_dir()]
    return sorted(found, key=lambda pair: pair[1])


def _check_place(definition: ChecklistDefinition, name: str, p: _Problems) -> None:
    place = _PLACE.fullmatch(name)
    if place is None or place[2] not in _FORMS:
        p.add(None, None, f"not where a definition belongs: fy<YYYY>/<form>.yaml with form one of "
              f"{', '.join(_FORMS)}", "checklist_misplaced")
    elif (int(place[1]), place[2]) != (definition.fiscal_year, definition.form.value):
        p.add(None, None, f"holds fiscal_year {definition.fiscal_year}, form {definition.form.value}: it belongs "
              f"in fy{definition.fiscal_year}/{definition.form.value}.yaml", "checklist_misplaced")


def _sort_key(definition: ChecklistDefinition) -> tuple[int, int]:
    return definition.fiscal_year, _FORMS.index(definition.form.value)


def load_all(folder: Path | None = None) -> list[ChecklistDefinition]:
    """Every definition in the folder (default: the packaged data), by fiscal year then form; all or nothing."""
    folder = folder or _default_folder()
    definitions: list[ChecklistDefinition] = []
    problems: list[ChecklistDataError] = []
    for path, name in _files(folder):
        p = _Problems(name)
        definition = _parse(path, name, p)
        if definition is not None:
            _check_place(definition, name, p)
            definitions.append(definition)
        problems += p.found
    if problems:
        _raise(problems, str(folder))
    return sorted(definitions, key=_sort_key)


def available(folder: Path | None = None) -> list[tuple[int, Form]]:
    """The (fiscal year, form) pairs the folder defines, oldest first; every file is checked as in `load_all`."""
    return [(definition.fiscal_year, definition.form) for definition in load_all(folder)]


def find(fiscal_year: int, form: Form, folder: Path | None = None) -> ChecklistDefinition:
    """The definition of that fiscal year and form (only its own file is read); ChecklistNotFoundError if none."""
    folder = folder or _default_folder()
    name = f"fy{fiscal_year}/{Form(form).value}.yaml"
    path = folder / name
    if not path.is_file():
        there = [pair[1] for pair in _files(folder)]
        raise ChecklistNotFoundError(f"no checklist for fiscal year {fiscal_year}, form {Form(form).value} "
                                     f"(there are: {', '.join(there) or 'none'})", InputLocation(str(folder)),
                                     code="checklist_not_found",
                                     params={"fiscal_year": fiscal_year, "form": str(form), "available": there})
    definition = _load(path, name)
    p = _Problems(name)
    _check_place(definition, name, p)
    if p.found:
        _raise(p.found, name)
    return definition


