"""The platform-neutral reply every command returns and every adapter renders.

A Reply is structured, never pre-formatted markup: headings, text made of spans, key/value fields,
lists, small print, buttons and files. User-supplied text always sits in a plain span, so each adapter
escapes it for its own platform and no user text can turn into a mention or a link by accident.
Replies are pydantic models so they can be stored in the outbox as JSON and rebuilt later.
"""

from __future__ import annotations

import base64
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer

Style = Literal["plain", "bold", "italic", "code"]
Tone = Literal["info", "success", "error"]


class Span(BaseModel):
    """A run of text in one style; ``url`` makes it a link."""

    model_config = ConfigDict(frozen=True)

    text: str
    style: Style = "plain"
    url: str | None = None


SpanLike = Span | str | int | float


def span(value: SpanLike) -> Span:
    """Turn a string or number into a plain span; leave a span alone."""
    return value if isinstance(value, Span) else Span(text=str(value))


def bold(value: SpanLike) -> Span:
    return Span(text=span(value).text, style="bold")


def italic(value: SpanLike) -> Span:
    return Span(text=span(value).text, style="italic")


def code(value: SpanLike) -> Span:
    return Span(text=span(value).text, style="code")


def link(text: SpanLike, url: str) -> Span:
    return Span(text=span(text).text, url=url)


def spans(*parts: SpanLike) -> list[Span]:
    return [span(p) for p in parts]


def plain(parts: list[Span]) -> str:
    return "".join(p.text for p in parts)


class Heading(BaseModel):
    type: Literal["heading"] = "heading"
    text: str


class Text(BaseModel):
    type: Literal["text"] = "text"
    spans: list[Span]


class Fields(BaseModel):
    """Label/value pairs, shown side by side where the platform can."""

    type: Literal["fields"] = "fields"
    items: list[tuple[str, str]]


class Items(BaseModel):
    """A bulleted (or numbered) list; each item is a line of spans."""

    type: Literal["list"] = "list"
    items: list[list[Span]]
    ordered: bool = False


class Note(BaseModel):
    """Small print: hints, timestamps, page numbers."""

    type: Literal["note"] = "note"
    text: str


Block = Annotated[Heading | Text | Fields | Items | Note, Field(discriminator="type")]


class Action(BaseModel):
    """A button. Pressing it runs ``command`` as the person who pressed it, with their permissions."""

    label: str
    command: str
    style: Literal["default", "primary", "danger"] = "default"


def _from_base64(value: object) -> object:
    return base64.b64decode(value) if isinstance(value, str) else value


FileBytes = Annotated[
    bytes,
    BeforeValidator(_from_base64),
    PlainSerializer(lambda b: base64.b64encode(b).decode("ascii"), when_used="json"),
]
"""Raw bytes in Python, base64 text in JSON (so a file can wait in the outbox)."""


class Attachment(BaseModel):
    """A file sent with the reply (exports)."""

    filename: str
    content_type: str
    data: FileBytes


class Reply(BaseModel):
    """What the core answers. ``ephemeral`` replies are shown only to the person who asked."""

    blocks: list[Block] = Field(default_factory=list)
    actions: list[Action] = Field(default_factory=list)
    attachments: list[Attachment] = Field(default_factory=list)
    ephemeral: bool = True
    tone: Tone = "info"
    error_field: str | None = None
    """For a form submission: the parameter whose value was wrong, so it can be marked inline."""

    # Builders -----------------------------------------------------------------------------
    @classmethod
    def message(cls, *parts: SpanLike, tone: Tone = "info", ephemeral: bool = True) -> Reply:
        """A one-paragraph reply."""
        return cls(blocks=[Text(spans=spans(*parts))], tone=tone, ephemeral=ephemeral)

    @classmethod
    def success(cls, *parts: SpanLike) -> Reply:
        return cls.message(*parts, tone="success")

    @classmethod
    def error(cls, message: str, *, usage: str | None = None, field: str | None = None) -> Reply:
        reply = cls(blocks=[Text(spans=spans(message))], tone="error", error_field=field)
        if usage:
            reply.blocks.append(Note(text=usage))
        return reply

    def heading(self, text: str) -> Reply:
        self.blocks.append(Heading(text=text))
        return self

    def text(self, *parts: SpanLike) -> Reply:
        self.blocks.append(Text(spans=spans(*parts)))
        return self

    def fields(self, items: list[tuple[str, str]]) -> Reply:
        if items:
            self.blocks.append(Fields(items=items))
        return self

    def items(self, lines: list[list[SpanLike]], *, ordered: bool = False) -> Reply:
        if lines:
            self.blocks.append(Items(items=[spans(*line) for line in lines], ordered=ordered))
        return self

    def note(self, text: str) -> Reply:
        self.blocks.append(Note(text=text))
        return self

    def action(self, label: str, command: str, style: str = "default") -> Reply:
        self.actions.append(
            Action.model_validate({"label": label, "command": command, "style": style})
        )
        return self

    def attach(self, filename: str, content_type: str, data: bytes) -> Reply:
        self.attachments.append(Attachment(filename=filename, content_type=content_type, data=data))
        return self

    def public(self) -> Reply:
        self.ephemeral = False
        return self

    # Reading ------------------------------------------------------------------------------
    def plain_text(self) -> str:
        """The reply as unformatted text: console output, notification previews, logs."""
        lines: list[str] = []
        for block in self.blocks:
            if isinstance(block, Heading):
                lines.append(block.text)
            elif isinstance(block, Text):
                lines.append(plain(block.spans))
            elif isinstance(block, Fields):
                lines.extend(f"{label}: {value}" for label, value in block.items)
            elif isinstance(block, Items):
                for n, item in enumerate(block.items, 1):
                    lines.append(f"{n}. {plain(item)}" if block.ordered else f"• {plain(item)}")
            else:
                lines.append(block.text)
        return "\n".join(lines)
