"""The profile set: INI and TOML sections merged into one namespace, validated lazily.

A profile is validated the first time it is asked for, so a 50,000-profile file costs
one cheap parse plus the profiles on the chain being resolved.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from resolver.config.fastprofile import FastProfile, fast_profile
from resolver.config.findings import Finding, Location, finding_of
from resolver.config.profile_table import PROFILE_KEYS, SSO_SESSION_KEYS, TOML_ONLY_KEYS
from resolver.config.sources.raw import RawConfig, RawSection
from resolver.errors import ConfigError, invalid_reason
from resolver.records import Record, replace

if TYPE_CHECKING:  # the model (pydantic) is imported only when a profile needs it
    from pydantic import ValidationError

    from resolver.config.model import Profile, SsoSession

# Keys other AWS tools read from the shared files: ignored quietly, never "unknown".
_KNOWN_AWS_KEYS = frozenset(
    {
        "output",
        "cli_pager",
        "cli_timestamp_format",
        "cli_binary_format",
        "cli_history",
        "cli_follow_urlparam",
        "cli_auto_prompt",
        "ca_bundle",
        "parameter_validation",
        "retry_mode",
        "max_attempts",
        "s3",
        "sso_registration_scopes",
        "aws_account_id",
        "use_fips_endpoint",
        "use_dualstack_endpoint",
        "ignore_configured_endpoint_urls",
        "defaults_mode",
        "metadata_service_timeout",
        "metadata_service_num_attempts",
        "ec2_metadata_service_endpoint",
        "ec2_metadata_service_endpoint_mode",
        "ec2_metadata_v1_disabled",
        "endpoint_discovery_enabled",
        "tcp_keepalive",
        "request_min_compression_size_bytes",
        "disable_request_compression",
        "sigv4a_signing_region_set",
        "account_id_endpoint_mode",
        "request_checksum_calculation",
        "response_checksum_validation",
        "imds_use_ipv6",
        "web_identity_token",
        "aws_security_token",
        "region_name",
        "auth_scheme_preference",
    }
)


def suggest(word: str, choices: Iterable[str]) -> str:
    """``"; did you mean X?"`` for the closest choice, or an empty string."""
    from difflib import get_close_matches

    close = get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean {close[0]}?" if close else ""


class ProfileEntry(Record):
    """A validated profile with its name, the location of each key, and the keys it sets
    that rolechain does not read (``ignored``: a typo's did-you-mean)."""

    name: str
    data: Profile | FastProfile
    where: Mapping[str, Location]
    location: Location
    format: str
    ignored: tuple[str, ...] = ()


class ProfileSet:
    """Every profile from the shared files and the TOML file, by name."""

    def __init__(
        self,
        ini: RawConfig,
        toml: RawConfig | None = None,
        problems: list[ConfigError] | None = None,
        *,
        block: bool = False,
    ) -> None:
        """``problems``: the TOML file's problems (``load_toml`` put them there), where this
        set appends its own (a name in both files, unknown TOML keys); None raises the
        first. With ``block``, a problem that names a profile or sso-session makes ``get``
        (``sso_session``) raise it for that one, so only chains through it fail; the
        others resolve, and ``warnings`` lists every problem."""
        toml = toml or RawConfig()
        found: list[ConfigError] = [] if problems is None else problems
        found.extend(_duplicates(ini, toml))
        self._sources: tuple[Mapping[str, RawSection], ...] = (ini.profiles, toml.profiles)
        self._sso: tuple[Mapping[str, RawSection], ...] = (ini.sso_sessions, toml.sso_sessions)
        self._services: tuple[Mapping[str, RawSection], ...] = (ini.services, toml.services)
        self.files = ini.files + toml.files
        self._warnings = (ini.warnings, toml.warnings)  # lazy parsing appends to these
        self._entries: dict[str, ProfileEntry] = {}
        self._blocked: dict[str, ConfigError] = {}
        self._blocked_sso: dict[str, ConfigError] = {}
        for name, section in toml.profiles.items():
            found.extend(_unknown_toml_keys(f"profiles.{name}", section, _TOML_PROFILE_KEYS))
        for name, section in toml.sso_sessions.items():
            unknown = _unknown_toml_keys(f"sso_sessions.{name}", section, SSO_SESSION_KEYS)
            found.extend(unknown)
            if unknown:
                self._blocked_sso[name] = unknown[0]
        if problems is None and found:
            raise found[0]
        for problem in found:
            if problem.profile is not None:
                self._blocked.setdefault(problem.profile, problem)
        self._problems = found
        self._block = block

    def warnings(self, raised: BaseException | None = None) -> list[Finding]:
        """Every problem found while loading, as a warning (not ``raised``, being raised)."""
        found = (finding_of(problem) for problem in self._problems if problem is not raised)
        return [replace(finding, severity="warning") for finding in found]

    @property
    def load_warnings(self) -> list[Finding]:
        """Warnings about ignored sections and keys, from the sections parsed so far."""
        return [warning for warnings in self._warnings for warning in warnings]

    def names(self) -> list[str]:
        """All profile names, INI first, in file order."""
        return [name for source in self._sources for name in source]

    def sso_session_names(self) -> list[str]:
        """All sso-session names."""
        return [name for source in self._sso for name in source]

    def services_names(self) -> list[str]:
        """All services section names."""
        return [name for source in self._services for name in source]

    def __contains__(self, name: object) -> bool:
        return any(name in source for source in self._sources)

    def __len__(self) -> int:
        return sum(len(source) for source in self._sources)

    def raw(self, name: str) -> RawSection | None:
        """The unvalidated section for ``name``."""
        for source in self._sources:
            if name in source:
                return source[name]
        return None

    def get(self, name: str) -> ProfileEntry | None:
        """The validated profile, or None when no profile has that name. With ``block``:
        the problem found in that profile, raised; for a missing name, the first problem
        of the files that names no profile (it may be what hid the profile), raised."""
        entry = self._entries.get(name)
        if entry is None:
            if self._block:
                self._raise_problem(name)
            section = self.raw(name)
            if section is None:
                return None
            entry = self._entries[name] = _validate_profile(section)
        return entry

    def _raise_problem(self, name: str) -> None:
        if name in self._blocked:
            raise self._blocked[name]
        if self.raw(name) is None:
            for problem in self._problems:
                if problem.profile is None:
                    raise problem

    def problems(self, name: str) -> list[ConfigError]:
        """Every invalid value of profile ``name`` (``get`` raises only the first)."""
        section = self.raw(name)
        if section is None:
            return []
        from resolver.config.model import Profile

        return _errors(Profile, _ours(section, PROFILE_KEYS), section, name)

    def unknown_keys(self, name: str) -> list[Finding]:
        """Warnings for INI keys that neither rolechain nor the AWS SDKs know."""
        section = self.raw(name)
        if section is None or section.format != "ini":
            return []
        return [
            Finding(
                "warning",
                f"{key}: TOML only, ignored in the AWS shared files"
                if key in TOML_ONLY_KEYS
                else f"{key}: unknown key, ignored{suggest(key, PROFILE_KEYS)}",
                profile=name,
                key=key,
                location=raw.location,
            )
            for key, raw in section.values.items()
            if key in TOML_ONLY_KEYS or (key not in PROFILE_KEYS and key not in _KNOWN_AWS_KEYS)
        ]

    def sso_session(self, name: str) -> SsoSession | None:
        """The validated ``[sso-session NAME]``, or None."""
        if self._block and name in self._blocked_sso:
            raise self._blocked_sso[name]
        section = _first(self._sso, name)
        if section is None:
            return None
        from resolver.config.model import SsoSession

        data = _ours(section, SSO_SESSION_KEYS)
        return _validated(SsoSession, data, section, None)  # type: ignore[no-any-return]

    def services(self, name: str) -> Mapping[str, Any] | None:
        """The ``[services NAME]`` section as ``{service: {key: value}}``, or None."""
        section = _first(self._services, name)
        return None if section is None else section.plain()


_TOML_PROFILE_KEYS = PROFILE_KEYS | {"aws"}  # aws: settings for the SDKs, kept by convert


def _first(sources: tuple[Mapping[str, RawSection], ...], name: str) -> RawSection | None:
    for source in sources:
        if name in source:
            return source[name]
    return None


def _duplicates(ini: RawConfig, toml: RawConfig) -> list[ConfigError]:
    """One error per profile name defined in both the INI files and the TOML file."""
    return [
        ConfigError(
            f"defined in both {ini.profiles[name].location} and {where}; rename one",
            file=where.file,
            line=where.line,
            profile=name,
            reason="duplicate-profile",
        )
        for name in toml.profiles
        if name in ini.profiles and (where := toml.profiles[name].location)
    ]


def _ours(section: RawSection, keys: frozenset[str]) -> dict[str, Any]:
    return {key: raw.value for key, raw in section.values.items() if key in keys}


def _unknown_toml_keys(path: str, section: RawSection, keys: frozenset[str]) -> list[ConfigError]:
    """An error per unknown key; one of a profile names the profile (it cannot resolve)."""
    kind, _, name = path.partition(".")
    profile = name if kind == "profiles" else None
    return [
        ConfigError(
            f"{key if profile else f'{path}.{key}'}: unknown key{suggest(key, keys)}",
            file=raw.location.file,
            line=raw.location.line,
            profile=profile,
            key=key if profile else None,
            reason="unknown-key",
        )
        for key, raw in section.values.items()
        if key not in keys
    ]


def _validate_profile(section: RawSection) -> ProfileEntry:
    keys = PROFILE_KEYS if section.format == "toml" else PROFILE_KEYS - TOML_ONLY_KEYS
    data = _ours(section, keys)
    profile: Profile | FastProfile | None = fast_profile(data, section.format)
    if profile is None:
        from resolver.config.model import Profile

        profile = _validated(Profile, data, section, section.name)
    where = {key: raw.location for key, raw in section.values.items() if key in keys}
    ignored = tuple(key for key in section.values if key not in keys)
    return ProfileEntry(section.name, profile, where, section.location, section.format, ignored)


def _validated(
    model: type[Any], data: dict[str, Any], section: RawSection, profile: str | None
) -> Any:
    """Validate ``data``; the first error becomes a ConfigError at the key's line."""
    from pydantic import ValidationError

    try:
        return model.model_validate(data, context={"format": section.format})
    except ValidationError as exc:
        raise _converted(exc, section, profile)[0] from None


def _errors(
    model: type[Any], data: dict[str, Any], section: RawSection, profile: str | None
) -> list[ConfigError]:
    """Every validation error of ``data``, each a ConfigError at its key's line."""
    from pydantic import ValidationError

    try:
        model.model_validate(data, context={"format": section.format})
    except ValidationError as exc:
        return _converted(exc, section, profile)
    return []


def _converted(exc: ValidationError, section: RawSection, profile: str | None) -> list[ConfigError]:
    found = []
    for error in exc.errors(include_input=False, include_url=False):
        key = str(error["loc"][0]) if error["loc"] else None
        raw = section.values.get(key) if key else None
        location = raw.location if raw else section.location
        message = str(error["msg"]).removeprefix("Value error, ")
        if profile is None:
            message = f"sso-session {section.name}: {message}"
        found.append(
            ConfigError(
                message,
                file=location.file,
                line=location.line,
                profile=profile,
                key=key,
                reason=invalid_reason(key, "invalid-value"),
            )
        )
    return found
