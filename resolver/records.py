"""Record classes that cost next to nothing to create: frozen, slotted dataclass look-alikes.

``dataclasses`` writes each class's methods as source and ``exec``\\ s it (about 0.5 ms a
class, at import); a ``Record`` subclass shares generic methods that loop over its fields.
Annotate fields as for a dataclass; ``field()`` gives a default or a default factory and
keeps a field out of ``repr``, ``==`` or ``hash``. A record is frozen, slotted, compares
and hashes by its fields (``hash`` of the tuple of values, as a frozen dataclass) and
copies or pickles by value; ``class X(Record, frozen=False)`` makes a mutable, unhashable
one. ``replace(record, **changes)`` is ``dataclasses.replace`` for records.
"""

from __future__ import annotations

TYPE_CHECKING = False  # importing typing costs time on paths that need no type
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, ClassVar, TypeVar

    from typing_extensions import dataclass_transform

    _R = TypeVar("_R", bound="Record")
else:

    def dataclass_transform(**_options):
        """Marks a class transformer for type checkers (typing's, 3.11+); nothing at run time."""
        return lambda transformer: transformer


class _Marker:
    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


_MISSING: Any = _Marker("<missing>")
_FACTORY = _Marker("<factory>")  # a default factory's default, in signatures (as dataclasses)


class FrozenInstanceError(AttributeError):
    """Assigning to or deleting a field of a frozen record (as ``dataclasses``')."""


class Field:
    """One field of a record class: its name, default or default factory, and whether it
    shows in ``repr`` and takes part in ``==`` and ``hash``."""

    __slots__ = ("compare", "default", "factory", "hash", "name", "repr")

    def __init__(
        self, default: Any, factory: Callable[[], Any] | None, repr: bool, compare: bool, hash: bool
    ) -> None:
        self.name, self.default, self.factory = "", default, factory
        self.repr, self.compare, self.hash = repr, compare, hash


def field(
    *,
    default: Any = _MISSING,
    default_factory: Callable[[], Any] | None = None,
    repr: bool = True,
    compare: bool = True,
    hash: bool | None = None,
) -> Any:
    """A field's options, as ``dataclasses.field`` (``hash`` None: as ``compare``)."""
    return Field(default, default_factory, repr, compare, compare if hash is None else hash)


def _is_class_var(annotation: object) -> bool:
    text = annotation if isinstance(annotation, str) else repr(annotation)
    return text.startswith(("ClassVar", "typing.ClassVar"))


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
class _RecordType(type):
    """Collects a record class's fields from its annotations and gives it their slots."""

    def __new__(
        mcls, name: str, bases: tuple[type, ...], ns: dict[str, Any], frozen: bool = True
    ) -> _RecordType:
        inherited: tuple[Field, ...] = sum((b.__dict__.get("_fields", ()) for b in bases), ())
        own = []
        for key, annotation in ns.get("__annotations__", {}).items():
            if not _is_class_var(annotation):
                value = ns.pop(key, _MISSING)
                spec = value if isinstance(value, Field) else Field(value, None, True, True, True)
                spec.name = key
                own.append(spec)
        fields = (*inherited, *own)
        _check_defaults_last(name, fields)
        ns.update(__slots__=tuple(spec.name for spec in own), _fields=fields)
        ns["__match_args__"] = tuple(spec.name for spec in fields)
        if not frozen:
            ns.setdefault("__setattr__", object.__setattr__)
            ns.setdefault("__delattr__", object.__delattr__)
            ns.setdefault("__hash__", None)
        return super().__new__(mcls, name, bases, ns)

    @property
    def __signature__(cls) -> Any:
        """``cls(...)``'s parameters, for ``help()`` and ``inspect.signature``."""
        from inspect import Parameter, Signature

        def parameter(spec: Field) -> Parameter:
            default = _FACTORY if spec.factory else spec.default
            default = Parameter.empty if default is _MISSING else default
            return Parameter(spec.name, Parameter.POSITIONAL_OR_KEYWORD, default=default)

        return Signature([parameter(spec) for spec in cls.__dict__["_fields"]])


def _check_defaults_last(name: str, fields: tuple[Field, ...]) -> None:
    defaulted = False
    for spec in fields:
        if spec.default is _MISSING and spec.factory is None and defaulted:
            raise TypeError(f"{name}: non-default field {spec.name!r} follows a default one")
        defaulted = defaulted or spec.default is not _MISSING or spec.factory is not None


class Record(metaclass=_RecordType):
    """The base of record classes (see the module's docstring)."""

    __slots__ = ()
    _fields: ClassVar[tuple[Field, ...]] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        fields, put = self._fields, object.__setattr__
        if len(args) == len(fields) and not kwargs:  # every field given, in order
            for spec, value in zip(fields, args, strict=True):
                put(self, spec.name, value)
            return
        if len(args) > len(fields):
            raise TypeError(f"{type(self).__name__}() takes {len(fields)} arguments")
        for spec, value in zip(fields, args, strict=False):
            put(self, spec.name, value)
        for spec in fields[len(args) :]:
            value = kwargs.pop(spec.name, _MISSING)
            if value is _MISSING:
                if spec.factory is not None:
                    value = spec.factory()
                elif spec.default is _MISSING:
                    raise TypeError(f"{type(self).__name__}() needs argument {spec.name!r}")
                else:
                    value = spec.default
            put(self, spec.name, value)
        if kwargs:
            names = ", ".join(map(repr, kwargs))
            raise TypeError(f"{type(self).__name__}() got unexpected or repeated {names}")

    def __repr__(self) -> str:
        shown = (f"{s.name}={getattr(self, s.name)!r}" for s in self._fields if s.repr)
        return f"{type(self).__qualname__}({', '.join(shown)})"

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        names = [spec.name for spec in self._fields if spec.compare]
        return [getattr(self, n) for n in names] == [getattr(other, n) for n in names]

    def __hash__(self) -> int:
        return hash(tuple(getattr(self, spec.name) for spec in self._fields if spec.hash))

    def __setattr__(self, name: str, value: object) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")

    def __reduce__(self) -> tuple[type[Record], tuple[Any, ...]]:
        return type(self), tuple(getattr(self, spec.name) for spec in self._fields)


def replace(record: _R, /, **changes: Any) -> _R:
    """A copy of ``record`` with ``changes`` (field name -> value), as ``dataclasses.replace``."""
    for spec in record._fields:
        if spec.name not in changes:
            changes[spec.name] = getattr(record, spec.name)
    return type(record)(**changes)
