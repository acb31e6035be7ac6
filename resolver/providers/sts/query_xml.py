"""An XML answer read into a small element tree, with the standard library's expat.

The tree holds what botocore's query parser reads of ElementTree's elements: each
element's local name (namespace stripped), the text before its first child (``None`` if
there is none; comments and processing instructions left out, CDATA kept) and its
attributes (ElementTree's ``{uri}name`` keys). The body is read as UTF-8, whatever its
XML declaration says, as botocore reads it.

Refused, with botocore's ``ResponseParserError`` (imported then): malformed XML (the
message is expat's, never the body), a document type declaration (so no entity is ever
declared or expanded), nesting deeper than ``MAX_DEPTH``, more than ``MAX_ELEMENTS``
elements.
"""

from __future__ import annotations

from typing import Any, NoReturn

MAX_DEPTH = 64
MAX_ELEMENTS = 20_000
INVALID_XML = "Unable to parse response ({}), invalid XML received. Further retries may succeed"


class Node:
    """An element: its local name, the text before its first child, children, attributes."""

    __slots__ = ("attrib", "children", "tag", "text")

    def __init__(self, tag: str, attrib: dict[str, str]) -> None:
        self.tag = tag
        self.attrib = attrib
        self.text: str | None = None
        self.children: list[Node] = []


def refused(reason: str) -> NoReturn:
    """Raise botocore's ``ResponseParserError`` saying ``reason`` (never the body)."""
    from botocore.parsers import ResponseParserError

    raise ResponseParserError(reason) from None


class _Refused(Exception):
    """Raised inside the expat handlers to stop on what is refused."""


class _Builder:
    """expat handlers building ``Node``s as ElementTree's ``TreeBuilder`` builds elements."""

    def __init__(self) -> None:
        self.stack: list[Node] = []
        self.root: Node | None = None
        self.data: list[str] = []
        self.count = 0

    def start(self, name: str, attrs: dict[str, str]) -> None:
        self.count += 1
        if self.count > MAX_ELEMENTS or len(self.stack) >= MAX_DEPTH:
            raise _Refused(f"more than {MAX_ELEMENTS} elements or {MAX_DEPTH} levels")
        attrib = {(f"{{{k}" if "}" in k else k): v for k, v in attrs.items()}
        node = Node(name.rpartition("}")[2], attrib)
        if self.stack:
            parent = self.stack[-1]
            self._flush(parent)
            parent.children.append(node)
        else:
            self.data.clear()
            self.root = node
        self.stack.append(node)

    def end(self, name: str) -> None:
        self._flush(self.stack.pop())

    def _flush(self, node: Node) -> None:
        if self.data:
            if not node.children:
                node.text = "".join(self.data)
            self.data.clear()


def _refuse_doctype(*_: Any) -> None:
    raise _Refused("a document type declaration is not accepted")


def xml_root(body: bytes) -> Node:
    """The root element of ``body`` (UTF-8, as botocore reads it)."""
    from xml.parsers import expat

    builder = _Builder()
    parser = expat.ParserCreate("utf-8", "}")
    parser.StartDoctypeDeclHandler = _refuse_doctype
    parser.StartElementHandler = builder.start
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.data.append
    try:
        parser.Parse(body, True)
    except (expat.ExpatError, _Refused) as exc:
        refused(INVALID_XML.format(exc))
    assert builder.root is not None  # expat fails on a document without an element
    return builder.root


XmlNode = Node | list[Node]


def by_name(node: XmlNode) -> dict[str, XmlNode]:
    """botocore's ``_build_name_to_xml_node``: children by tag, repeated ones as lists."""
    if isinstance(node, list):
        node = node[0]
    found: dict[str, XmlNode] = {}
    for child in node.children:
        seen = found.get(child.tag)
        if seen is None:
            found[child.tag] = child
        elif isinstance(seen, list):
            seen.append(child)
        else:
            found[child.tag] = [seen, child]
    return found
