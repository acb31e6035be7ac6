"""``resolver.records``: a record class behaves as the frozen dataclass it replaces, for
every feature the package uses: construction (positional, keyword, defaults, default
factories), ``==``, ``hash``, ``repr`` with hidden fields, immutability, ``replace``,
pattern matching, copying and pickling; ``frozen=False`` makes a mutable, unhashable one."""

from __future__ import annotations

import copy
import dataclasses
import inspect
import pickle
from typing import Any, ClassVar

import pytest
from hypothesis import given
from hypothesis import strategies as st

from resolver.chain.types import Chain, StaticSource
from resolver.records import Record, field, replace

SECRET = "wJalrXUtnFEMI/K7MDENG/RECORDSCANARY"


class Rec(Record):
    kind: ClassVar[str] = "rec"
    name: str
    secret: str = field(repr=False)
    token: str | None = field(default=None, repr=False)
    count: int = 0
    tags: tuple[str, ...] = ()
    where: dict[str, int] = field(default_factory=dict, compare=False, repr=False)


@dataclasses.dataclass(frozen=True)
class Dc:
    kind: ClassVar[str] = "rec"
    name: str
    secret: str = dataclasses.field(repr=False)
    token: str | None = dataclasses.field(default=None, repr=False)
    count: int = 0
    tags: tuple[str, ...] = ()
    where: dict[str, int] = dataclasses.field(default_factory=dict, compare=False, repr=False)


class Mutable(Record, frozen=False):
    items: list[int] = field(default_factory=list)
    label: str = ""


texts = st.text(max_size=12)
values = st.fixed_dictionaries(
    {
        "name": texts,
        "secret": texts,
        "token": st.none() | texts,
        "count": st.integers(),
        "tags": st.lists(texts, max_size=3).map(tuple),
        "where": st.dictionaries(texts, st.integers(), max_size=2),
    }
)
given_two = given(values, values)


def both(kwargs: dict[str, Any]) -> tuple[Rec, Dc]:
    return Rec(**kwargs), Dc(**kwargs)


@given_two
def test_eq_and_hash_follow_the_dataclass(first: dict[str, Any], second: dict[str, Any]) -> None:
    (rec_a, dc_a), (rec_b, dc_b) = both(first), both(second)
    assert (rec_a == rec_b) == (dc_a == dc_b)
    assert (rec_a != rec_b) == (dc_a != dc_b)
    assert hash(rec_a) == hash(dc_a)  # both hash the tuple of compared values
    assert rec_a == Rec(**{**first, "where": {"elsewhere": 1}})  # ``where`` takes no part
    assert rec_a != dc_a  # another class is never equal


@given(values)
def test_repr_hides_the_same_fields(kwargs: dict[str, Any]) -> None:
    rec, dc = both({**kwargs, "secret": SECRET, "token": SECRET})
    assert repr(rec) == repr(dc).replace("Dc(", "Rec(", 1)
    assert SECRET not in repr(rec)
    assert SECRET not in repr(Chain("p", StaticSource("p", "AKIA", SECRET, SECRET)))


@given(values, st.data())
def test_positional_keyword_and_defaults(kwargs: dict[str, Any], data: st.DataObject) -> None:
    order = ["name", "secret", "token", "count", "tags", "where"]
    cut = data.draw(st.integers(2, len(order)))
    positional = [kwargs[name] for name in order[:cut]]
    rec = Rec(*positional, **{name: kwargs[name] for name in order[cut:]})
    assert [getattr(rec, name) for name in order] == [kwargs[name] for name in order]
    bare = Rec(kwargs["name"], secret=kwargs["secret"])
    assert (bare.token, bare.count, bare.tags, bare.where) == (None, 0, (), {})
    assert Rec("a", "b").where is not Rec("a", "b").where  # a fresh default per instance


def test_bad_calls_raise_type_error_as_dataclasses_do() -> None:
    make: Any = Rec
    for args, kwargs in (
        (("a",), {}),
        (("a", "b", None, 0, (), {}, "extra"), {}),
        (("a", "b"), {"name": "again"}),
        (("a", "b"), {"nope": 1}),
    ):
        with pytest.raises(TypeError):
            make(*args, **kwargs)
    with pytest.raises(TypeError):  # a field without a default after one with a default
        make_class: Any = type(Record)
        make_class("Bad", (Record,), {"__annotations__": {"a": "int", "b": "int"}, "a": 1})


@given(values, values)
def test_replace_matches_dataclasses_replace(kwargs: dict[str, Any], other: dict[str, Any]) -> None:
    rec, dc = both(kwargs)
    changes = {k: other[k] for k in ("count", "token")}
    new = replace(rec, **changes)
    assert type(new) is Rec
    assert repr(new) == repr(dataclasses.replace(dc, **changes)).replace("Dc(", "Rec(", 1)
    assert new.where == rec.where
    assert rec.count == kwargs["count"]  # the original is unchanged
    with pytest.raises(TypeError):
        replace(rec, nope=1)


def test_frozen_slotted_and_copyable() -> None:
    rec = Rec("a", SECRET, where={"k": 1})
    for name in ("name", "where", "other"):
        with pytest.raises(AttributeError):
            setattr(rec, name, "b")
        with pytest.raises(AttributeError):
            delattr(rec, name)
    assert not hasattr(rec, "__dict__")
    assert Rec.kind == "rec" and "kind" not in Rec.__match_args__
    for clone in (copy.copy(rec), copy.deepcopy(rec), pickle.loads(pickle.dumps(rec))):
        assert clone == rec and clone.where == rec.where
    match rec:
        case Rec(name, secret):
            assert (name, secret) == ("a", SECRET)
        case _:
            pytest.fail("no match")


def test_mutable_records() -> None:
    one = Mutable()
    one.items.append(1)
    one.label = "x"
    assert one == Mutable([1], "x") and Mutable().items == []
    with pytest.raises(TypeError):  # unhashable even when every value is hashable
        hash(Mutable(label="x", items=()))  # type: ignore[arg-type]


def test_signature_shows_the_fields() -> None:
    def shown(cls: type) -> list[tuple[str, str]]:
        parameters = inspect.signature(cls).parameters.values()
        return [(p.name, repr(p.default)) for p in parameters]

    assert shown(Rec) == shown(Dc)
