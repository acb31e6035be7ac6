"""Per-run overrides as a pure function of the chain, and the checks they go through."""

from __future__ import annotations

import pytest

from resolver.chain.limits import check_chain
from resolver.chain.overrides import ORIGIN, Overrides, apply_overrides, parse_overrides
from resolver.chain.types import Chain, Hop, StaticSource
from resolver.errors import ChainError, ConfigError

SOURCE = StaticSource("base", "AKIAEXAMPLE", "secret")
FIRST = Hop("ops", "arn:aws:iam::123456789012:role/ops", tags=(("Team", "a"),),
            transitive_tag_keys=("Team",))  # fmt: skip
FINAL = Hop("admin", "arn:aws:iam::123456789012:role/admin", tags=(("env", "prod"),),
            chained=True)  # fmt: skip
CHAIN = Chain("admin", SOURCE, (FIRST, FINAL))


def test_flags_and_environment_merge_with_flags_winning() -> None:
    environ = {"ROLECHAIN_SESSION_TAGS": "a=1, Ticket=env", "ROLECHAIN_SOURCE_IDENTITY": "bob"}
    got = parse_overrides(["ticket=CHG-1"], ["a"], None, "45m", None, environ=environ)
    assert got == Overrides((("a", "1"), ("ticket", "CHG-1")), ("a",), "bob", 2700, None)
    assert parse_overrides([], [], "alice", None, None, environ=environ).source_identity == "alice"
    assert not parse_overrides(environ={})
    for bad in (["novalue"], ["=x"]):
        with pytest.raises(ConfigError, match="KEY=VALUE") as caught:
            parse_overrides(bad, environ={})
        assert caught.value.reason == "invalid-override"
    with pytest.raises(ConfigError, match="--duration") as caught:
        parse_overrides(duration="soon", environ={})
    assert caught.value.reason == "invalid-override"


def test_the_final_hop_changes_and_is_marked() -> None:
    overrides = parse_overrides(["ENV=dev", "ticket=1"], ["ticket"], "alice", "1h", environ={})
    chain = apply_overrides(CHAIN, overrides)
    assert chain.hops[0] == FIRST
    final = chain.hops[1]
    assert final.tags == (("ENV", "dev"), ("ticket", "1"))  # env replaced, case-insensitively
    assert final.transitive_tag_keys == ("ticket",)
    assert (final.source_identity, final.duration_seconds) == ("alice", 3600)
    assert set(final.overridden) == {
        "session_tags", "transitive_session_tags", "source_identity", "duration_seconds"
    }  # fmt: skip
    assert final.where["session_tags"] == ORIGIN
    assert chain.to_json()["hops"][1]["overridden"] == list(final.overridden)
    assert "overridden" not in CHAIN.to_json()["hops"][1]
    assert apply_overrides(CHAIN, Overrides()) is CHAIN


def test_hop_chooses_another_hop_and_unknown_hops_are_named() -> None:
    chain = apply_overrides(CHAIN, Overrides(tags=(("x", "y"),), hop="ops"))
    assert chain.hops[0].tags == (("Team", "a"), ("x", "y")) and chain.hops[1] == FINAL
    with pytest.raises(ChainError, match="hops: ops, admin") as caught:
        apply_overrides(CHAIN, Overrides(hop="nope"))
    assert caught.value.reason == "unknown-hop"
    with pytest.raises(ChainError, match="no hop") as caught:
        apply_overrides(Chain("base", SOURCE), Overrides(source_identity="x"))
    assert caught.value.reason == "no-hop-to-override"


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        (Overrides(duration_seconds=7200), "3600-second limit"),
        (Overrides(tags=(("bad*key", "v"),)), "bad*key"),
        (Overrides(tags=(("team", "b"),)), "transitive"),
        (Overrides(transitive_tag_keys=("missing",)), "missing"),
    ],
)
def test_overrides_go_through_the_same_checks(overrides: Overrides, fragment: str) -> None:
    assert not [f for f in check_chain(CHAIN) if f.severity == "error"]
    errors = [f for f in check_chain(apply_overrides(CHAIN, overrides)) if f.severity == "error"]
    assert errors and any(fragment in f.message for f in errors), errors
    assert all(f.location == ORIGIN for f in errors if f.profile == "admin")
