"""Typed records read from JSON and TOML and written back as JSON, on the standard library.

One mechanism for every file q-tmux owns or reads from a user: a class of
:class:`Record` declares its fields with type annotations (and :func:`field`
for defaults, bounds, checks and a key spelled otherwise); :meth:`Record.from_dict`
validates a parsed document into it and :meth:`Record.to_dict` gives it back as
JSON-ready data. Importing this costs a few milliseconds, where a validation
library costs a command a fifth of a second.

The types understood: ``str``, ``int``, ``float`` (an int is taken), ``bool``,
``X | None``, other unions (the first member that fits), ``Literal[...]``,
``list[X]``, ``dict[str, X]``, nested records, enums (by value; a plain
:class:`~enum.Enum` by member name) and ``datetime`` (ISO 8601, written as
``2026-11-22T10:07:23.123456Z``: UTC as ``Z``, no fraction when it is 0).
Values are taken as written: ``"true"`` is not a flag, ``"3"`` not a number.

What a class does with keys it does not declare is its ``extra`` (a class
keyword): ``"allow"`` keeps them and writes them back after the declared ones
(a newer q-tmux's fields survive a round trip), ``"ignore"`` drops them,
``"forbid"`` refuses them (a user's typo).
"""

from __future__ import annotations

import sys
import typing
from datetime import datetime
from enum import Enum
from types import NoneType, UnionType
from typing import Any, ClassVar, Literal, Self, dataclass_transform

Extra = Literal["allow", "ignore", "forbid"]
Check = typing.Callable[[Any], Any]
Convert = typing.Callable[[Any], Any]

_MISSING: Any = object()


class Field:
    """How one field is read: its default, its bounds, its check and its key."""

    __slots__ = ("alias", "check", "default", "default_factory", "ge", "gt", "le", "lt")

    def __init__(
        self,
        default: Any,
        default_factory: typing.Callable[[], Any] | None,
        alias: str | None,
        check: Check | None,
        bounds: tuple[float | None, float | None, float | None, float | None],
    ) -> None:
        self.default = default
        self.default_factory = default_factory
        self.alias = alias
        self.check = check
        self.ge, self.gt, self.le, self.lt = bounds

    @property
    def required(self) -> bool:
        return self.default is _MISSING and self.default_factory is None

    def made(self) -> Any:
        """The default, as a record without this key gets it (a fresh one from a factory)."""
        if self.default_factory is not None:
            return self.default_factory()
        if self.default is _MISSING:
            raise LookupError("the field has no default")
        return self.default

    def bounds_text(self) -> str:
        """`` from 4 to 64``, `` above 0 and at most 30``: the field's limits, for a person."""
        if self.ge is not None and self.le is not None:
            return f" from {self.ge:g} to {self.le:g}"
        low = f"at least {self.ge:g}" if self.ge is not None else ""
        low = f"above {self.gt:g}" if self.gt is not None else low
        high = f"at most {self.le:g}" if self.le is not None else ""
        high = f"below {self.lt:g}" if self.lt is not None else high
        parts = [part for part in (low, high) if part]
        return " " + " and ".join(parts) if parts else ""

    def out_of_bounds(self, value: float) -> bool:
        return (
            (self.ge is not None and value < self.ge)
            or (self.gt is not None and value <= self.gt)
            or (self.le is not None and value > self.le)
            or (self.lt is not None and value >= self.lt)
        )


def field(
    *,
    default: Any = _MISSING,
    default_factory: typing.Callable[[], Any] | None = None,
    alias: str | None = None,
    check: Check | None = None,
    ge: float | None = None,
    gt: float | None = None,
    le: float | None = None,
    lt: float | None = None,
) -> Any:
    """A field with more than a plain default: ``field(default_factory=list)``, ``field(ge=1)``,
    ``field(check=inside_repo)`` (called with the typed value; returns it, or raises
    ValueError saying what is wrong), ``field(alias="copy")`` (the key in the file)."""
    return Field(default, default_factory, alias, check, (ge, gt, le, lt))


class SchemaError(ValueError):
    """A document that does not fit its record: where, and what is wrong there.

    ``where`` is the path to the value (keys and list indexes), ``reason`` one of
    ``missing``, ``unknown`` (a key the record refuses), ``wrong`` (not of the
    field's type or out of its bounds) and ``refused`` (the field's check said
    ``detail``). ``str()`` of it is ``where: what`` in one line.
    """

    def __init__(
        self,
        reason: Literal["missing", "unknown", "wrong", "refused"],
        *,
        kind: Any = None,
        spec: Field | None = None,
        value: Any = None,
        detail: str = "",
        record: type[Record] | None = None,
    ) -> None:
        super().__init__(reason)
        self.where: tuple[str | int, ...] = ()
        self.reason = reason
        self.kind = kind
        self.spec = spec
        self.value = value
        self.detail = detail
        #: For ``unknown``: the record the key was looked up in.
        self.record = record

    @property
    def key(self) -> str:
        """The path as a person writes it: ``naming.llm.timeout``, ``setup.run[1]``."""
        text = ""
        for part in self.where:
            text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else part
        return text

    @property
    def expected(self) -> str:
        """What the value had to be: ``a whole number from 4 to 64``, ``true, false or 'ask'``."""
        return describe(self.kind, self.spec)

    @property
    def problem(self) -> str:
        """What is wrong, without the key."""
        if self.reason == "missing":
            return f"is missing; it must be {self.expected}"
        if self.reason == "unknown":
            allowed = ", ".join(self.record.keys()) if self.record is not None else ""
            return f"is not a known key; allowed here: {allowed}"
        if self.reason == "refused":
            return self.detail
        return f"must be {self.expected}, not {shown(self.value)}"

    def __str__(self) -> str:
        return f"{self.key or 'top level'}: {self.problem}"

    def at(self, part: str | int) -> SchemaError:
        """This error, one level further out (the caller's key before the path so far)."""
        self.where = (part, *self.where)
        return self


@dataclass_transform(kw_only_default=True, field_specifiers=(field,))
class Record:
    """A record of typed fields; subclasses declare them as annotated class attributes.

    The constructor takes the fields as keywords (Python values or their JSON
    spellings; a field with an ``alias`` by that key) and validates them as
    :meth:`from_dict` does. Assigning an attribute later is not validated. Attributes whose
    name starts with ``_`` are the instance's own, never read nor written.
    """

    __extra__: ClassVar[Extra] = "allow"
    #: name -> (key in the file, how a value is converted, field), made on first use.
    __schema__: ClassVar[dict[str, tuple[str, Convert, Field]]]
    #: The keys of the document this record does not declare, kept when ``extra`` allows.
    _extra: dict[str, Any]

    def __init_subclass__(cls, extra: Extra | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if extra is not None:
            cls.__extra__ = extra

    def __init__(self, **values: Any) -> None:
        self._fill(values)

    @classmethod
    def from_dict(cls, data: object) -> Self:
        """``data`` (a parsed JSON or TOML object) validated; raises :class:`SchemaError`."""
        if not isinstance(data, dict):
            raise SchemaError("wrong", kind=cls, value=data)
        record = cls.__new__(cls)
        record._fill(data)
        return record

    def to_dict(self) -> dict[str, Any]:
        """The record as JSON-ready data: its fields in declaration order, then kept extras."""
        data = {}
        for name, (key, _, _) in self._schema().items():
            value = getattr(self, name)
            data[key] = value if type(value) in _PLAIN else _dumped(value)
        data.update(self._extra)
        return data

    @classmethod
    def keys(cls) -> list[str]:
        """The keys a file may hold for this record, in declaration order."""
        return [key for key, _, _ in cls._schema().values()]

    @classmethod
    def fields(cls) -> dict[str, Field]:
        """The declared fields by attribute name, in declaration order."""
        return {name: spec for name, (_, _, spec) in cls._schema().items()}

    def _fill(self, values: dict[Any, Any]) -> None:
        schema = self._schema()
        seen = 0
        for name, (key, convert, spec) in schema.items():
            if key in values:
                seen += 1
                try:
                    value = convert(values[key])
                except SchemaError as error:
                    raise error.at(key) from None
            elif not spec.required:
                value = spec.made()
            else:
                raise SchemaError("missing", kind=_kinds(type(self))[name], spec=spec).at(key)
            setattr(self, name, value)
        extra: dict[str, Any] = {}
        if seen < len(values):
            known = {key for key, _, _ in schema.values()}
            extra = {key: value for key, value in values.items() if key not in known}
            if self.__extra__ == "forbid":
                raise SchemaError("unknown", record=type(self)).at(next(iter(extra)))
            if self.__extra__ == "ignore":
                extra = {}
        self._extra = extra

    @classmethod
    def _schema(cls) -> dict[str, tuple[str, Convert, Field]]:
        schema = cls.__dict__.get("__schema__")
        if schema is None:
            schema = {}
            for name, kind in _kinds(cls).items():
                spec = getattr(cls, name, _MISSING)
                if not isinstance(spec, Field):
                    spec = Field(spec, None, None, None, (None, None, None, None))
                schema[name] = (spec.alias or name, _field_converter(kind, spec), spec)
            cls.__schema__ = schema
        return schema

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        names = self._schema()
        return self._extra == other._extra and all(
            getattr(self, name) == getattr(other, name) for name in names
        )

    __hash__ = None  # type: ignore[assignment]  # mutable, compared by value

    def __repr__(self) -> str:
        shown_fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._schema())
        return f"{type(self).__name__}({shown_fields})"


def _kinds(cls: type[Record]) -> dict[str, Any]:
    """The declared fields' types, base classes' first; private and class-level ones left out.

    Each annotation (text, under ``from __future__ import annotations``) is evaluated in
    its module's names, as :func:`typing.get_type_hints` would at twice the cost.
    """
    kinds: dict[str, Any] = {}
    for klass in reversed(cls.__mro__[: cls.__mro__.index(Record)]):
        names = vars(sys.modules[klass.__module__])
        for name, kind in vars(klass).get("__annotations__", {}).items():
            if name.startswith("_") or (isinstance(kind, str) and kind.startswith("ClassVar")):
                continue
            kinds[name] = eval(kind, names) if isinstance(kind, str) else kind
    return kinds


def _field_converter(kind: Any, spec: Field) -> Convert:
    """The converter of ``kind``, then the field's bounds and check."""
    convert = _converter(kind)
    has_bounds = (spec.ge, spec.gt, spec.le, spec.lt) != (None, None, None, None)
    if not has_bounds and spec.check is None:
        return convert
    check = spec.check

    def checked(given: Any) -> Any:
        try:
            value = convert(given)
        except SchemaError as error:
            if not error.where:  # the field's own value, not one inside it
                error.spec = spec
            raise
        if has_bounds and value is not None and spec.out_of_bounds(value):
            raise SchemaError("wrong", kind=kind, spec=spec, value=given)
        if check is not None:
            try:
                value = check(value)
            except ValueError as error:
                raise SchemaError("refused", kind=kind, spec=spec, detail=str(error)) from None
        return value

    return checked


def _converter(kind: Any) -> Convert:
    """A function taking a value of ``kind`` (Python or JSON spelling) to its Python value,
    raising :class:`SchemaError` when it is not one. Made once per field."""

    def wrong(value: Any) -> SchemaError:
        return SchemaError("wrong", kind=kind, value=value)

    origin = typing.get_origin(kind)
    args = typing.get_args(kind)
    if kind is str:

        def text(value: Any) -> Any:
            if isinstance(value, str):
                return value
            raise wrong(value)

        return text
    if kind is bool or kind is int:

        def exact(value: Any) -> Any:
            if type(value) is kind:
                return value
            raise wrong(value)

        return exact
    if kind is float:

        def number(value: Any) -> Any:
            if type(value) in (float, int):
                return float(value)
            raise wrong(value)

        return number
    if kind is NoneType:

        def none(value: Any) -> Any:
            if value is None:
                return value
            raise wrong(value)

        return none
    if kind is datetime:

        def moment(value: Any) -> Any:
            if isinstance(value, datetime):
                return value
            if isinstance(value, str):
                try:
                    return datetime.fromisoformat(value)
                except ValueError:
                    pass
            raise wrong(value)

        return moment
    if origin is Literal:
        words = [(type(arg), arg) for arg in args]

        def literal(value: Any) -> Any:
            if (type(value), value) in words:
                return value
            raise wrong(value)

        return literal
    if origin in (UnionType, typing.Union):
        members = [_converter(arg) for arg in args if arg is not NoneType]
        optional = NoneType in args

        def union(value: Any) -> Any:
            if value is None and optional:
                return None
            for member in members:
                try:
                    return member(value)
                except SchemaError as error:
                    # A table for ``LLMNaming | None`` with a bad key inside: say that key.
                    if error.where or error.reason != "wrong":
                        raise
            raise wrong(value)

        return union
    if origin is list:
        item = _converter(args[0])

        def items(value: Any) -> Any:
            if not isinstance(value, list | tuple):
                raise wrong(value)
            converted = []
            for index, each in enumerate(value):
                try:
                    converted.append(item(each))
                except SchemaError as error:
                    raise error.at(index) from None
            return converted

        return items
    if origin is dict:
        entry = _converter(args[1])

        def table(value: Any) -> Any:
            if not isinstance(value, dict):
                raise wrong(value)
            converted = {}
            for key, each in value.items():
                if not isinstance(key, str):
                    raise wrong(value)
                try:
                    converted[key] = entry(each)
                except SchemaError as error:
                    raise error.at(key) from None
            return converted

        return table
    if isinstance(kind, type) and issubclass(kind, Record):
        record = kind

        def nested(value: Any) -> Any:
            return value if isinstance(value, record) else record.from_dict(value)

        return nested
    if isinstance(kind, type) and issubclass(kind, Enum):
        enum = kind
        by_name = not issubclass(enum, str | int)

        def word(value: Any) -> Any:
            if isinstance(value, enum):
                return value
            if by_name and isinstance(value, str) and value in enum.__members__:
                return enum[value]
            if isinstance(value, str | int) and not isinstance(value, bool):
                try:
                    return enum(value)
                except ValueError:
                    pass
            raise wrong(value)

        return word
    raise TypeError(f"schema: no rule for fields of type {kind!r}")


#: Types written as they are (most values of a record: checked first).
_PLAIN = frozenset({str, int, float, bool, NoneType})


def _dumped(value: Any) -> Any:
    """``value`` as JSON-ready data."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is list:
        return [each if type(each) in _PLAIN else _dumped(each) for each in value]
    if kind is dict:
        return {key: each if type(each) in _PLAIN else _dumped(each) for key, each in value.items()}
    if isinstance(value, Record):
        return value.to_dict()
    if isinstance(value, datetime):
        return write_time(value)
    if isinstance(value, Enum):
        return value.value if isinstance(value, str | int) else value.name
    return value


def write_time(moment: datetime) -> str:
    """``moment`` in ISO 8601 as q-tmux has always written it: ``2026-11-22T10:07:23.123456Z``
    (UTC as ``Z``, other offsets as ``+02:00``, no fraction when it is 0)."""
    text = moment.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def describe(kind: Any, spec: Field | None = None) -> str:
    """What a value of ``kind`` may be, for a person: ``true, false or 'ask'``, ``a list of
    strings``, ``a whole number from 4 to 64``."""
    choices = _choices(kind)
    if len(choices) > 1:
        return ", ".join(choices[:-1]) + " or " + choices[-1]
    text = choices[0] if choices else "something else"
    numbers = (int, float, int | None, float | None)
    if spec is not None and kind in numbers:
        text += spec.bounds_text()
    return text


def _choices(kind: Any) -> list[str]:
    origin = typing.get_origin(kind)
    if origin is Literal:
        return [repr(value) for value in typing.get_args(kind)]
    if origin in (UnionType, typing.Union):
        return [c for arg in typing.get_args(kind) if arg is not NoneType for c in _choices(arg)]
    if origin is list:
        inner = _choices(typing.get_args(kind)[0])
        return [f"a list of {inner[0].removeprefix('a ')}s" if len(inner) == 1 else "a list"]
    if origin is dict:
        return ["a table"]
    if isinstance(kind, type) and issubclass(kind, Record):
        return [f"a table (keys: {', '.join(kind.keys())})"]
    if isinstance(kind, type) and issubclass(kind, Enum):
        return [repr(_dumped(member)) for member in kind]
    names = {
        bool: ["true", "false"],
        str: ["a string"],
        int: ["a whole number"],
        float: ["a number"],
        datetime: ["a time (ISO 8601)"],
    }
    return names.get(kind, [])


def shown(value: Any) -> str:
    """A value as it was written in the file, roughly."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "null"
    return repr(value)
