"""The names and the block ``rolechain sso populate`` writes: whatever the portal calls an
account (quotes, line breaks, ``]``, escapes, any unicode), the TOML file parses to exactly
the generated profiles, each plans, and the user's text around the block is untouched."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from resolver.chain.planner import build_chain
from resolver.config.profiles import ProfileSet
from resolver.config.sources.raw import RawConfig
from resolver.config.sources.tomlfile import bad_name, parse_toml
from resolver.config.sso_profiles import (
    DEFAULT_TEMPLATE,
    SsoProfile,
    duplicate_names,
    find_block,
    profile_name,
    render_block,
    sanitized,
    with_block,
)
from resolver.errors import ConfigError
from tests.hostile import fuzz_settings, hostile_text, printable_hostile_text

account_names = st.one_of(hostile_text, st.text(max_size=40))  # lone surrogates too
role_names = st.from_regex(r"[A-Za-z0-9_+=,.@-]{1,32}", fullmatch=True)
# what a profile can name (values are stripped, so a session named " x " is unreachable)
session_names = printable_hostile_text.filter(lambda n: not bad_name(n) and n == n.strip())
templates = st.sampled_from(
    [DEFAULT_TEMPLATE, "{account_id}.{role_name}", "{sso_session}/{account_name}:{role_name}"]
)


def session_table(session: str) -> str:
    from resolver.config.convert import toml_key

    return (
        f"[sso_sessions.{toml_key(session)}]\n"
        'sso_start_url = "https://corp.awsapps.com/start"\nsso_region = "eu-west-1"\n'
    )


@fuzz_settings(150)
@given(
    session=session_names,
    names=st.lists(account_names, min_size=1, max_size=4),
    roles=st.lists(role_names, min_size=1, max_size=3, unique=True),
    template=templates,
    crlf=st.booleans(),
)
def test_any_account_name_gives_a_file_of_exactly_the_generated_profiles(
    session: str, names: list[str], roles: list[str], template: str, crlf: bool
) -> None:
    profiles = [
        SsoProfile(
            profile_name(template, session, f"{n:012d}", name, role),
            session,
            f"{n:012d}",
            name,
            role,
        )
        for n, name in enumerate(names)
        for role in roles
    ]
    try:
        duplicate_names(profiles)
    except ConfigError:
        return  # two roles, one name (``role`` and ``role.``): refused before writing
    newline = "\r\n" if crlf else "\n"
    user = '# mine\n[profiles.mine]\nregion = "us-east-1"\n' + session_table(session)
    user = user.replace("\n", newline)
    text = with_block(user, None, render_block(session, profiles, newline))
    assert text.startswith(user)
    parsed = parse_toml(text, path="p.toml")
    generated = {p.name: p.values() for p in profiles}
    found = {
        name: {key: value.value for key, value in section.values.items()}
        for name, section in parsed.profiles.items()
    }
    assert found == {**generated, "mine": {"region": "us-east-1"}}
    chains = ProfileSet(RawConfig(), parsed)
    for profile in profiles:
        source = build_chain(chains, profile.name).source
        assert (source.kind, getattr(source, "sso_account_id", None)) == ("sso", profile.account_id)
    # the block is found again and replaced in place, the user's bytes kept
    block = find_block(text, session, "p.toml")
    assert block is not None and block.before.startswith(user)
    assert with_block(text, block, "") == block.before + block.after


@fuzz_settings(300)
@given(name=account_names)
def test_a_sanitized_name_is_plain_ascii(name: str) -> None:
    part = sanitized(name)
    assert part == "" or (part.isascii() and part.isprintable() and " " not in part)
    assert not set(part) & set("\"'[]\\#=\n\r")


def test_accents_are_dropped_and_nothing_left_names_the_account_by_id() -> None:
    assert profile_name(DEFAULT_TEMPLATE, "corp", "111122223333", "Produção", "Admin") == (
        "Producao.Admin"
    )
    assert profile_name(DEFAULT_TEMPLATE, "corp", "111122223333", "本番", "Admin") == (
        "111122223333.Admin"
    )
    assert profile_name(DEFAULT_TEMPLATE, "c", "111122223333", 'a "b"\n]c', "R") == "a-b-c.R"


def test_reasons_of_refused_names() -> None:
    from resolver.config.sso_profiles import check_template

    one = SsoProfile("Prod.Admin", "corp", "111111111111", "Prod", "Admin")
    two = SsoProfile("Prod.Admin", "corp", "222222222222", "Prod", "Admin")
    for attempt, reason in (
        (lambda: duplicate_names([one, two]), "populate-collision"),
        (lambda: check_template("{account_name}"), "invalid-name-template"),
        (lambda: check_template("{x}.{role_name}"), "invalid-name-template"),
        (lambda: profile_name("a b {role_name}", "c", "1", "n", "r"), "invalid-name-template"),
    ):
        try:
            attempt()
        except ConfigError as exc:
            assert exc.reason == reason
        else:
            raise AssertionError(reason)
