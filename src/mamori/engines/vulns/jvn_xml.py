"""Reading JVN's XML safely and as a stream, one element of interest at a time with the lines it is on.

Only defusedxml parses: a document type declaration (and so any entity, external entity or "billion
laughs") is refused before anything is expanded. A file declared in an encoding expat cannot read
(`Shift_JIS`, `EUC-JP`, …) is decoded by Python first; `Shift_JIS` is read as CP932, its Windows
superset, since files saved on Japanese Windows contain CP932-only characters (①, ㈱, 髙). Elements are
handed over when they close and then dropped from the tree, so a 72 MB detail feed never sits in memory
as a tree.
"""

from __future__ import annotations

import codecs
import io
import re
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element, ParseError, TreeBuilder
from xml.parsers.expat import XMLParserType
from xml.parsers.expat import errors as expat_errors

from defusedxml import DefusedXmlException, DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import DefusedXMLParser, iterparse

from mamori.engines.errors import InputLocation
from mamori.engines.vulns.errors import FeedError
from mamori.engines.vulns.feedproblems import FeedProblems

__all__ = ["Problems", "XmlElement", "XmlStream"]

_DECLARATION = re.compile(rb"^(\xef\xbb\xbf)?<\?xml[^>]*?\bencoding\s*=\s*([\"'])([A-Za-z0-9._:\-]+)\2")
_EXPAT_ENCODINGS = frozenset({"utf-8", "utf-16", "utf-16-le", "utf-16-be", "ascii", "latin-1", "iso8859-1"})
_SHIFT_JIS = frozenset({"shift_jis", "cp932", "shift_jis_2004", "shift_jisx0213"})
_POSITION = re.compile(r": line \d+, column \d+$")
_END_OF_INPUT = frozenset(expat_errors.codes[message] for message in (
    expat_errors.XML_ERROR_NO_ELEMENTS, expat_errors.XML_ERROR_UNCLOSED_TOKEN, expat_errors.XML_ERROR_PARTIAL_CHAR,
    expat_errors.XML_ERROR_UNCLOSED_CDATA_SECTION))


class Problems(FeedProblems):
    """The file's problems (FeedProblems), noted the JVN way: at a line, in "JVNDB id/element path"."""

    def note(self, reason: str, line: int | None, where: str, code: str, **params: object) -> None:
        self.add(reason, code=code, line=line, field=where, params=params)


@dataclass(frozen=True, slots=True)
class XmlElement:
    """A closed element of interest, the line its start tag is on and the lines of the elements inside it."""

    element: Element
    line: int
    lines: Mapping[int, int] = field(repr=False)

    def line_of(self, element: Element) -> int:
        """The line of an element inside this one (this one's line when unknown)."""
        return self.lines.get(id(element), self.line)


class _NotJvn(Exception):
    def __init__(self, tag: str, line: int) -> None:
        super().__init__(tag)
        self.tag, self.line = tag, line


class _LineBuilder(TreeBuilder):
    """A tree builder that notes the line of every element inside an element of interest."""

    def __init__(self, wanted: frozenset[str], roots: frozenset[str]) -> None:
        super().__init__()
        self.wanted = wanted
        self.roots = roots
        self.expat: XMLParserType | None = None  # set before parsing: the line of each start tag comes from it
        self.root_tag = ""
        self.stack: list[Element] = []
        self.done: deque[tuple[XmlElement, Element | None]] = deque()
        self._lines: dict[int, int] | None = None  # of the open element of interest
        self._depth = -1  # its place in the stack

    def start(self, tag: str, attrs: dict[str, str], /) -> Element:
        element = super().start(tag, attrs)
        if not self.stack:
            if tag not in self.roots:
                raise _NotJvn(tag, self._line())
            self.root_tag = tag
        if self._lines is None and tag in self.wanted:
            self._lines, self._depth = {}, len(self.stack)
        if self._lines is not None:
            self._lines[id(element)] = self._line()
        self.stack.append(element)
        return element

    def _line(self) -> int:
        return self.expat.CurrentLineNumber if self.expat is not None else 0

    def end(self, tag: str, /) -> Element:
        element = super().end(tag)
        self.stack.pop()
        if self._lines is not None and len(self.stack) == self._depth:
            found = XmlElement(element, self._lines[id(element)], self._lines)
            self.done.append((found, self.stack[-1] if self.stack else None))
            self._lines, self._depth = None, -1
        return element


def _decoded(data: bytes | bytearray, filename: str) -> bytes | bytearray:
    """The document as expat can read it: as it is, or re-encoded as UTF-8 when declared in another encoding."""
    found = _DECLARATION.match(data[:512])
    if found is None:
        return data
    declared = found.group(3).decode("ascii")
    try:
        codec = codecs.lookup(declared).name
    except LookupError:
        raise FeedError(f"the XML declares an unknown encoding {declared!r}", InputLocation(filename, 1),
                        code="feed_encoding_invalid", params={"encoding": declared}) from None
    if codec in _EXPAT_ENCODINGS:
        return data
    codec = "cp932" if codec in _SHIFT_JIS else codec
    try:
        text = bytes(data).decode(codec)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise FeedError(f"byte {exc.start:,} is not valid {declared} (as the XML declaration says the file is)",
                        InputLocation(filename, line), code="feed_encoding_invalid",
                        params={"encoding": declared, "byte": exc.start}) from exc
    start, end = found.span(3)
    return (text[:start] + "UTF-8" + text[end:]).encode("utf-8")


def _forbidden(exc: DefusedXmlException, filename: str, line: int) -> FeedError:
    if isinstance(exc, DTDForbidden):
        what = f"a document type declaration (DTD) <!DOCTYPE {exc.name}>"
    elif isinstance(exc, EntitiesForbidden):
        what = f"an entity declaration ({exc.name!r})"
    elif isinstance(exc, ExternalReferenceForbidden):
        what = f"a reference to an external entity ({exc.sysid!r})"
    else:
        what = "a construct defusedxml forbids"
    return FeedError(f"refused: the XML contains {what}, which JVN feeds never use and which can make a parser "
                     "read local files or exhaust memory", InputLocation(filename, line), code="feed_xml_forbidden")


def _malformed(exc: ParseError, filename: str) -> FeedError:
    line, column = exc.position[0], exc.position[1] + 1  # expat counts columns from 0, editors from 1
    message = _POSITION.sub("", str(exc))
    if exc.code in _END_OF_INPUT:
        return FeedError(f"truncated XML: the data ends at line {line}, column {column} before the document does "
                         f"({message})", InputLocation(filename, line), code="feed_truncated",
                         params={"column": column})
    return FeedError(f"malformed XML at column {column}: {message}", InputLocation(filename, line),
                     code="feed_xml_invalid", params={"column": column})


class XmlStream:
    """The elements of interest of one XML document, in document order, each handed over when it closes.

    `roots` are the root tags accepted (anything else is FeedError `feed_not_jvn`); `root_tag` is known once
    iteration has begun. All XML errors are FeedErrors with the file and line. It can be iterated once (it lets go
    of the document as it reads).
    """

    def __init__(self, data: bytes | bytearray, filename: str, wanted: frozenset[str],
                 roots: frozenset[str]) -> None:
        self.filename = filename
        self._data = _decoded(data, filename)
        self._builder = _LineBuilder(wanted, roots)

    @property
    def root_tag(self) -> str:
        """The root element's tag ({namespace}name)."""
        return self._builder.root_tag

    def __iter__(self) -> Iterator[XmlElement]:
        builder = self._builder
        parser = DefusedXMLParser(target=builder, forbid_dtd=True, forbid_entities=True, forbid_external=True)
        expat = parser.parser
        builder.expat = expat
        if not self._data or self._data.isspace():
            raise FeedError("the file is empty", InputLocation(self.filename), code="feed_truncated")
        source = io.BytesIO(self._data)
        self._data = b""
        try:
            for _event, element in iterparse(source, ("end",), parser):
                if builder.done and builder.done[0][0].element is element:
                    found, parent = builder.done.popleft()
                    yield found
                    if parent is not None:
                        parent.remove(element)
        except ParseError as exc:
            raise _malformed(exc, self.filename) from None
        except DefusedXmlException as exc:
            raise _forbidden(exc, self.filename, expat.CurrentLineNumber) from None
        except _NotJvn as exc:
            raise FeedError(f"not a JVN iPedia feed: the root element is {exc.tag!r}", InputLocation(
                self.filename, exc.line), code="feed_not_jvn", params={"tag": exc.tag}) from None
