"""The command registry: every command declared once, for every platform and the help text.

A feature declares a command with :func:`command` on its handler, whose signature is the
declaration of its parameters (``Annotated[type, Arg(...)]``). From that one declaration come
the text parser's binding rules, Discord's typed options, Telegram's command menu, Slack's manifest,
modal forms and ``help``. Handlers receive a :class:`~core.context.Context` and their converted
parameters as keyword arguments, and return a :class:`~core.reply.Reply`.
"""

from __future__ import annotations

import difflib
import inspect
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, Literal

from core.errors import UserError
from core.i18n import _
from core.params import BadValue, ConvertContext, Kind, convert, parse_tags
from core.parsing import ParsedArgs, ParseError, split_args, tokenize

if TYPE_CHECKING:
    from core.context import Context
    from core.reply import Reply

Handler = Callable[..., "Reply"]
MessageHandler = Callable[["Context", str], "Reply | None"]
"""Offered free text sent to the bot (not a command); returns a Reply if it was for this feature."""


def N_(message: str) -> str:
    """Mark a string for translation where it is declared; it is translated when shown."""
    return message


def confirmed(value: str | None) -> bool:
    """Whether a ``confirm`` parameter says to go ahead (what cannot be undone asks first)."""
    return (value or "").strip().lower() == "confirm"


class Access(StrEnum):
    """Who may run a command. Community roles are checked by the services, per community."""

    MEMBER = "member"
    ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class Arg:
    """How one handler parameter is typed, shown and checked: the ``Annotated`` metadata.

    ``def cpd_log(ctx, *, hours: Annotated[float, Arg(N_("how long"), kind=Kind.HOURS)])``. The
    parameter's name, whether it is required (no default), its default and whether it takes many
    words (a ``list[...]`` annotation) come from the signature; the kind comes from the Python type
    unless given (HOURS, ID, URL and the like narrow a ``float``, ``int`` or ``str``).
    """

    help: str = ""
    kind: Kind | None = None
    choices: tuple[str, ...] = ()
    positional: bool = True
    max_length: int = 500
    min_value: float | None = None
    max_value: float | None = None
    autocomplete: bool = False
    rest: bool = False
    """Takes the rest of the line exactly as typed (prose: quotes, #, = and spacing kept)."""
    prefer: Literal["past", "future"] | None = None
    """For dates: which way "thursday" points. Default: the past for DATE, the future for
    DATETIME (CPD happened; events are coming)."""


@dataclass(frozen=True, slots=True)
class Param:
    """One typed parameter of a command, as read from its handler's signature.

    Positional parameters are filled in declaration order; every parameter may also be given as
    ``name=value``. ``many`` takes all remaining positional words. A TAGS parameter collects ``#tags``.
    """

    name: str
    kind: Kind = Kind.TEXT
    help: str = ""
    required: bool = False
    default: Any = None
    choices: tuple[str, ...] = ()
    positional: bool = True
    many: bool = False
    max_length: int = 500
    min_value: float | None = None
    max_value: float | None = None
    autocomplete: bool = False
    rest: bool = False
    prefer: Literal["past", "future"] | None = None

    def usage(self) -> str:
        shown = f"{self.name}..." if self.many else self.name
        if self.kind is Kind.TAGS:
            shown = "#tags..."
        elif self.kind is Kind.FILE:
            shown = "+file"  # attached to the message, never typed as name=value
        elif not self.positional:
            shown = f"{self.name}=..."
        elif self.choices:
            shown = "|".join(self.choices)
        return f"<{shown}>" if self.required else f"[{shown}]"

    def convert_one(self, text: str, ctx: ConvertContext) -> Any:
        if len(text) > self.max_length:
            raise BadValue(
                _(
                    "{name} is too long: {length} characters, the limit is {limit}.",
                    name=self.name,
                    length=len(text),
                    limit=self.max_length,
                ),
                self.name,
            )
        if self.kind is Kind.CHOICE or self.choices:
            return self._choose(text)
        if self.kind in (Kind.DATE, Kind.DATETIME):
            default: Literal["past", "future"] = "future" if self.kind is Kind.DATETIME else "past"
            ctx = replace(ctx, prefer=self.prefer or default)
        value = convert(self.kind, text, self.name, ctx)
        if isinstance(value, int | float) and not isinstance(value, bool):
            if self.min_value is not None and value < self.min_value:
                raise BadValue(
                    _("{name} must be at least {low}.", name=self.name, low=_num(self.min_value)),
                    self.name,
                )
            if self.max_value is not None and value > self.max_value:
                raise BadValue(
                    _("{name} must be at most {high}.", name=self.name, high=_num(self.max_value)),
                    self.name,
                )
        if (
            isinstance(value, str)
            and self.kind in (Kind.TEXT, Kind.LONG_TEXT)
            and not value.strip()
        ):
            raise BadValue(_("{name} cannot be empty.", name=self.name), self.name)
        return value

    def _choose(self, text: str) -> str:
        word = text.strip().lower()
        by_lower = {c.lower(): c for c in self.choices}
        if word in by_lower:
            return by_lower[word]
        starts = [c for c in self.choices if c.lower().startswith(word)] if word else []
        if len(starts) == 1:
            return starts[0]
        raise BadValue(
            _("{name} must be one of: {choices}.", name=self.name, choices=", ".join(self.choices)),
            self.name,
        )


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


@dataclass(slots=True)
class Command:
    """A declared command: its path (``("cpd", "goal", "add")``), help, parameters and handler."""

    path: tuple[str, ...]
    help: str
    params: tuple[Param, ...]
    handler: Handler
    access: Access = Access.MEMBER
    form: bool = False
    """Platforms with forms open one for this command when it is given no arguments."""
    examples: tuple[str, ...] = ()
    public: bool = False
    """The reply is posted for everyone in the channel rather than to the person alone."""
    max_tags: int = 10

    def __call__(self, ctx: Context, **values: Any) -> Reply:
        return self.handler(ctx, **values)

    @property
    def name(self) -> str:
        return " ".join(self.path)

    @property
    def group(self) -> str:
        return self.path[0]

    def usage(self) -> str:
        return " ".join([self.name, *(p.usage() for p in self.params)])

    def bind(self, args: ParsedArgs, ctx: ConvertContext) -> dict[str, Any]:
        """Match parsed words to parameters and convert them; raise a friendly error if they do not fit."""
        by_name = {p.name: p for p in self.params}
        values: dict[str, Any] = {}
        raw: dict[str, list[str]] = {}
        for key, value in args.keyword.items():
            if key not in by_name:
                known = ", ".join(p.name for p in self.params if p.kind is not Kind.TAGS) or "none"
                raise UserError(
                    _(
                        "{command} has no setting called {key}. Settings it takes: {known}.",
                        command=self.name,
                        key=key,
                        known=known,
                    ),
                    show_usage=True,
                )
            raw[key] = [value]
        tag_param = next((p for p in self.params if p.kind is Kind.TAGS), None)
        if args.tags:
            if tag_param is None:
                raise UserError(
                    _("{command} does not take #tags.", command=self.name), show_usage=True
                )
            raw.setdefault(tag_param.name, []).extend(args.tags)
        words = list(args.positional)
        for param in self.params:
            if not words:
                break
            if not param.positional or param.kind is Kind.TAGS or param.name in raw:
                continue
            if param.many:
                raw[param.name], words = words, []
            else:
                raw[param.name] = [words.pop(0)]
        if words:
            raise UserError(
                _(
                    "Too many words for {command}: I did not expect {extra}. Put phrases in quotes.",
                    command=self.name,
                    extra=_quote(words[0]),
                ),
                show_usage=True,
            )
        for param in self.params:
            given = raw.get(param.name)
            if given is None:
                if param.required:
                    raise BadValue(
                        _("{command} needs {name}.", command=self.name, name=param.name), param.name
                    )
                values[param.name] = param.default
            elif param.kind is Kind.TAGS:
                values[param.name] = parse_tags(_split_tags(given), param.name, self.max_tags)
            elif param.many:
                values[param.name] = [param.convert_one(v, ctx) for v in given]
            else:
                values[param.name] = param.convert_one(given[0], ctx)
        return values

    @property
    def rest_param(self) -> Param | None:
        return next((p for p in self.params if p.rest), None)

    def bind_rest(self, text: str, ctx: ConvertContext) -> dict[str, Any]:
        """Bind a command whose ``rest`` parameter takes everything after its name."""
        rest = self.rest_param
        assert rest is not None
        values = {p.name: p.default for p in self.params}
        text = _unwrap_quotes(text)
        if not text:
            if rest.required:
                raise BadValue(
                    _("{command} needs {name}.", command=self.name, name=rest.name), rest.name
                )
            return values
        values[rest.name] = rest.convert_one(text, ctx)
        return values

    def bind_mapping(self, given: Mapping[str, Any], ctx: ConvertContext) -> dict[str, Any]:
        """Bind named values (Discord options, form fields); text values are converted as typed."""
        args = ParsedArgs()
        for key, value in given.items():
            if value is None or value == "":
                continue
            param = next((p for p in self.params if p.name == key), None)
            if param is not None and (param.kind is Kind.TAGS or param.many):
                items = value if isinstance(value, list | tuple) else str(value).split()
                if param.kind is Kind.TAGS:
                    args.tags.extend(str(v).lstrip("#").lower() for v in items)
                else:
                    args.positional.extend(str(v) for v in items)
                continue
            args.keyword[key] = str(value)
        return self.bind(args, ctx)


_PAIRS = {'"': '"', "“": "”", "'": "'", "‘": "’"}


def _unwrap_quotes(text: str) -> str:
    """A phrase given wholly in one pair of quotes, out of habit: take what is inside."""
    if len(text) >= 2 and _PAIRS.get(text[0]) == text[-1] and text[-1] not in text[1:-1]:
        return text[1:-1].strip()
    return text


def _split_tags(values: list[str]) -> list[str]:
    out: list[str] = []
    for value in values:
        out.extend(part for part in value.replace(",", " ").split() if part)
    return out


def _quote(word: str) -> str:
    return f'"{word[:40]}"'


def _given(command: Command, args: ParsedArgs) -> dict[str, str] | None:
    """The values parsed words give, matched to parameters as :meth:`Command.bind` matches them,
    unconverted; None when they do not fit (an unknown key, #tags, too many words)."""
    by_name = {p.name: p for p in command.params}
    if args.tags or any(key not in by_name for key in args.keyword):
        return None
    given = dict(args.keyword)
    words = list(args.positional)
    if words and command.rest_param is not None:
        return None  # the rest of the line is one value: a button opens it with nothing given
    for param in command.params:
        if not words:
            break
        if not param.positional or param.kind in (Kind.TAGS, Kind.FILE) or param.name in given:
            continue
        if param.many:
            given[param.name], words = " ".join(words), []
        else:
            given[param.name] = words.pop(0)
    return None if words else given


_PYTHON_KINDS: dict[type, Kind] = {
    bool: Kind.BOOL,
    int: Kind.INT,
    float: Kind.NUMBER,
    str: Kind.TEXT,
    datetime: Kind.DATETIME,
    date: Kind.DATE,
    time: Kind.TIME,
    timedelta: Kind.DURATION,
}
_KIND_TYPES: dict[Kind, type] = {
    Kind.TEXT: str,
    Kind.LONG_TEXT: str,
    Kind.INT: int,
    Kind.ID: int,
    Kind.NUMBER: float,
    Kind.HOURS: float,
    Kind.BOOL: bool,
    Kind.CHOICE: str,
    Kind.DATE: date,
    Kind.DATETIME: datetime,
    Kind.TIME: time,
    Kind.DURATION: timedelta,
    Kind.URL: str,
    Kind.TIMEZONE: str,
    Kind.MEMBER: str,
    Kind.COMMUNITY: str,
    Kind.TAGS: str,
    Kind.FILE: str,
}
"""The Python type each kind's converter returns (TAGS: a list of them; FILE: never bound from
text, its files are the invocation's attachments)."""


def params_of(handler: Handler) -> tuple[Param, ...]:
    """Read a handler's parameters from its signature: ``(ctx, *, name: Annotated[T, Arg()])``.

    Raises ``TypeError`` naming the parameter when a declaration does not make sense (no ``Arg``,
    a kind that does not fit the Python type, a ``many`` parameter before another positional).
    """
    signature = inspect.signature(handler)
    hints = typing.get_type_hints(handler, include_extras=True)
    where = getattr(handler, "__qualname__", repr(handler))
    params: list[Param] = []
    for index, parameter in enumerate(signature.parameters.values()):
        if index == 0:
            continue  # the Context
        hint = hints.get(parameter.name)
        if typing.get_origin(hint) is not Annotated:
            raise TypeError(
                f"{where}: parameter {parameter.name!r} needs Annotated[type, Arg(...)]"
            )
        base, *extras = typing.get_args(hint)
        arg = next((e for e in extras if isinstance(e, Arg)), None)
        if arg is None:
            raise TypeError(f"{where}: parameter {parameter.name!r} has no Arg(...)")
        python_type, many = _python_type(base)
        if python_type not in _PYTHON_KINDS:
            raise TypeError(f"{where}: parameter {parameter.name!r} has an unsupported type {base}")
        kind = arg.kind or (Kind.CHOICE if arg.choices else _PYTHON_KINDS[python_type])
        if _KIND_TYPES[kind] is not python_type:
            raise TypeError(
                f"{where}: parameter {parameter.name!r} is {kind.value}, "
                f"which holds {_KIND_TYPES[kind].__name__}, not {python_type.__name__}"
            )
        if kind is Kind.TAGS and not many:
            raise TypeError(f"{where}: tags parameter {parameter.name!r} must be a list[str]")
        required = parameter.default is inspect.Parameter.empty
        params.append(
            Param(
                name=parameter.name,
                kind=kind,
                help=arg.help,
                required=required,
                default=None if required else parameter.default,
                choices=arg.choices,
                positional=arg.positional,
                many=many and kind is not Kind.TAGS,
                max_length=arg.max_length,
                min_value=arg.min_value,
                max_value=arg.max_value,
                autocomplete=arg.autocomplete,
                rest=arg.rest,
                prefer=arg.prefer,
            )
        )
    many_at = [i for i, p in enumerate(params) if p.many]
    after_many = params[many_at[0] + 1 :] if many_at else []
    if len(many_at) > 1 or any(p.positional and p.kind is not Kind.TAGS for p in after_many):
        raise TypeError(f"{where}: a parameter taking many words must be the last positional")
    return tuple(params)


def _python_type(annotation: Any) -> tuple[Any, bool]:
    """The type inside ``T | None`` and ``list[T]``, and whether it was a list."""
    if typing.get_origin(annotation) in (types.UnionType, typing.Union):
        options = [a for a in typing.get_args(annotation) if a is not type(None)]
        annotation = options[0] if len(options) == 1 else annotation
    if typing.get_origin(annotation) is list:
        return typing.get_args(annotation)[0], True
    return annotation, False


def command(
    path: str,
    *,
    help: str,
    access: Access = Access.MEMBER,
    form: bool = False,
    examples: Iterable[str] = (),
    public: bool = False,
    max_tags: int = 10,
) -> Callable[[Handler], Command]:
    """Declare a command on its handler; the parameters come from the handler's signature.

    The decorated name is the :class:`Command` value (still callable as the handler); a feature
    lists it in its ``Feature(commands=...)``. Nothing is registered anywhere.
    """

    def declare(handler: Handler) -> Command:
        return Command(
            tuple(path.split()),
            help,
            params_of(handler),
            handler,
            access,
            form,
            tuple(examples),
            public,
            max_tags,
        )

    return declare


@dataclass(slots=True)
class CommandRegistry:
    """One app's commands, by path, built from its features. Lookup takes the longest path that
    the words begin with."""

    commands: dict[tuple[str, ...], Command] = field(default_factory=dict)
    group_help: dict[str, str] = field(default_factory=dict)
    message_handlers: list[MessageHandler] = field(default_factory=list)
    owners: dict[str, str] = field(default_factory=dict)
    """Which feature declared each command and group (for conflict errors)."""

    def add_group(self, name: str, help: str, *, owner: str = "") -> None:
        """Describe a command group (shown by ``help`` and as Discord's group description)."""
        key = f"group {name}"
        if key in self.owners:
            raise ValueError(f"group {name!r} is claimed by {self.owners[key]} and {owner}")
        self.owners[key] = owner
        self.group_help[name] = help

    def add(self, declared: Command, *, owner: str = "") -> None:
        key = f"command {declared.name}"
        if declared.path in self.commands:
            raise ValueError(
                f"command {declared.name!r} is claimed by {self.owners.get(key)} and {owner}"
            )
        self.owners[key] = owner
        self.commands[declared.path] = declared

    def resolve(self, words: list[str]) -> tuple[Command, list[str]] | None:
        """Find the command the words name; returns it and the words left for its arguments."""
        lowered = [w.lower() for w in words]
        for length in (3, 2, 1):
            key = tuple(lowered[:length])
            if len(key) == length and key in self.commands:
                return self.commands[key], words[length:]
        return None

    def groups(self) -> list[str]:
        return sorted({c.group for c in self.commands.values()})

    def kind_of(self, text: str) -> Literal["command", "message"]:
        """Free text sent to the bot is a command when its first word names a command group
        (``cpd log 1``), else a message (the answer to a prompt, say)."""
        words = text.split(maxsplit=1)
        is_command = bool(words) and words[0].lower() in {c.group for c in self.commands.values()}
        return "command" if is_command else "message"

    def form_for(self, text: str) -> Command | None:
        """The form command ``text`` names with no arguments (a form is opened for it), else
        None: the text runs as typed."""
        try:
            words = [t.text for t in tokenize(text)]
        except ParseError:
            return None
        found = self.resolve(words) if words else None
        if found is None or found[1] or not found[0].form or not found[0].params:
            return None
        return found[0]

    def form_with(self, text: str) -> tuple[Command, dict[str, str]] | None:
        """The command ``text`` names and the values it already gives, by parameter name, as
        typed (converted when the command runs): a button's ``form:open`` asks only the rest.
        The command need not be a form command: the button asks for the form. None when the
        text names no command, gives what the command does not take, or leaves nothing to ask
        (then it runs as typed)."""
        try:
            words = tokenize(text)
        except ParseError:
            return None
        found = self.resolve([t.text for t in words]) if words else None
        if found is None:
            return None
        command, rest = found
        args = split_args(words[len(words) - len(rest) :])
        given = _given(command, args)
        if given is None or all(p.name in given or p.kind is Kind.FILE for p in command.params):
            return None
        return command, given

    def in_group(self, group: str) -> list[Command]:
        """The group's commands in the order the feature declares them (the everyday ones
        first: ``cpd log`` before ``cpd delete``)."""
        return [c for c in self.commands.values() if c.group == group]

    def suggest_in_group(self, group: str, word: str) -> str | None:
        """The group's command closest to a mistyped second word (``cpd lgo`` -> ``cpd log``)."""
        # A word that starts a subgroup ("cpd goal ...") suggests the subgroup, not its last command.
        names = {
            c.path[1]: " ".join(c.path[:2]) if len(c.path) > 2 else c.name
            for c in self.in_group(group)
            if len(c.path) > 1
        }
        close = difflib.get_close_matches(word.lower(), list(names), n=1, cutoff=0.5)
        return names[close[0]] if close else None

    def suggest(self, words: list[str]) -> str | None:
        """The closest known command to mistyped words, for "did you mean"."""
        typed = " ".join(w.lower() for w in words[:3])
        names = [c.name for c in self.commands.values()]
        candidates: list[str] = []
        for length in (3, 2, 1):
            prefix = " ".join(w.lower() for w in words[:length])
            candidates += difflib.get_close_matches(prefix, names, n=1, cutoff=0.6)
        if not candidates:
            candidates = difflib.get_close_matches(typed, names + self.groups(), n=1, cutoff=0.65)
        return candidates[0] if candidates else None
