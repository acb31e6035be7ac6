"""The SAML base: ``saml_process`` prints a base64 SAML response (saml2aws, gimme-aws-creds
and the like), and AssumeRoleWithSAML trades it for ``role_arn``'s credentials.

The command runs exactly as a ``credential_process`` does (``ProcessProvider.output``:
the same splitting, process group, stderr pass-through, time and output bounds). The
response is a secret: it is remembered for ``resolver.errors.scrub`` as soon as it is
read, sent only to STS, and never logged, cached or shown; the provider keeps only its
SHA-256 (``last_sha256``). The step's disk key is decided without running the command
(which may open a browser): the command line, the request and the STS target, as a
``credential_process`` base is named by its command.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Protocol

from resolver.errors import ProviderError, remember
from resolver.providers.bases.built import Built, Inputs, StepKey
from resolver.providers.bases.process import ProcessProvider, command_depends
from resolver.providers.bases.saml_assertion import (
    Assertion,
    AssertionProblem,
    choose_principal,
    read_assertion,
)
from resolver.stscreds.client import credentials_from_response, duration_seconds, translating_errors
from resolver.stscreds.credentials import Credentials
from resolver.stscreds.options import PolicyArns, policy_arn_list

if TYPE_CHECKING:
    from resolver.chain.types import SamlSource

SAML_PROVIDER_NAME = "AssumeRoleWithSAMLProvider"
PROCESS_TIMEOUT_SECONDS = 60.0
"""How long ``saml_process`` may run (a ``credential_process``'s bound)."""


class AssumeRoleWithSAMLClient(Protocol):
    """What ``SamlRoleProvider`` calls: a boto3 STS client or a stub."""

    def assume_role_with_saml(self, *args: Any, **kwargs: Any) -> Mapping[str, Any]: ...


class SamlProcess:
    """The SAML response ``command`` prints, read on every call (responses expire within
    minutes). ``label`` names the profile in errors; the repr shows only the program."""

    def __init__(
        self,
        command: str,
        *,
        environ: Mapping[str, str],
        label: str | None = None,
        timeout: float | None = None,
    ) -> None:
        self._runner = ProcessProvider(
            command,
            timeout=PROCESS_TIMEOUT_SECONDS if timeout is None else timeout,
            label=label,
            profile=label,
            environ=environ,
            setting="saml_process",
        )
        self.label = label

    @property
    def program(self) -> str:
        return self._runner.program

    def __repr__(self) -> str:
        return f"SamlProcess(program={self.program!r}, label={self.label!r})"

    def error(self, problem: AssertionProblem) -> ProviderError:
        """``problem`` as a one-line error naming the program and profile."""
        message = f"saml_process `{self.program}` {problem}"
        return ProviderError(message, profile=self.label, reason=problem.reason)

    def __call__(self) -> Assertion:
        """Run the command and read its response; ProviderError on any failure."""
        stdout = self._runner.output()
        remember(stdout.decode("ascii", errors="replace").strip())
        try:
            assertion = read_assertion(stdout)
        except AssertionProblem as problem:
            raise self.error(problem) from None
        remember(assertion.text)
        return assertion


class SamlRoleProvider:
    """AssumeRoleWithSAML for ``role_arn`` with the response ``assertions()`` returns.

    PrincipalArn is the SAML provider the response pairs with ``role_arn`` (it must be
    ``principal_arn`` when given); a response that does not offer the role is an error
    listing the roles it offers. ``duration`` None sends no DurationSeconds (STS then
    uses the response's SessionDuration, else one hour). ``label`` names the hop.
    """

    name = SAML_PROVIDER_NAME

    def __init__(
        self,
        client: AssumeRoleWithSAMLClient,
        role_arn: str,
        assertions: Callable[[], Assertion],
        *,
        principal_arn: str | None = None,
        duration: timedelta | int | None = None,
        policy: str | None = None,
        policy_arns: PolicyArns = (),
        label: str | None = None,
    ) -> None:
        self.client = client
        self.role_arn = role_arn
        self.assertions = assertions
        self.principal_arn = principal_arn
        self.duration_seconds = duration_seconds(duration, None)
        self.policy = policy
        self.policy_arns = policy_arn_list(policy_arns)
        self.label = label
        self.last_sha256: str | None = None

    @property
    def hop(self) -> str:
        """How errors name this hop."""
        return self.label or self.role_arn

    def __repr__(self) -> str:
        return (
            f"SamlRoleProvider(role_arn={self.role_arn!r}, principal_arn="
            f"{self.principal_arn!r}, assertions={self.assertions!r}, label={self.label!r})"
        )

    def request(self) -> dict[str, Any]:
        """The parameters besides the response and PrincipalArn (read per call)."""
        params: dict[str, Any] = {"RoleArn": self.role_arn}
        if self.duration_seconds is not None:
            params["DurationSeconds"] = self.duration_seconds
        if self.policy:
            params["Policy"] = self.policy
        if self.policy_arns:
            params["PolicyArns"] = [{"arn": arn} for arn in self.policy_arns]
        return params

    def _principal(self, assertion: Assertion) -> str:
        try:
            return choose_principal(assertion, self.role_arn, self.principal_arn)
        except AssertionProblem as problem:
            raise problem_error(self.assertions, problem) from None

    def retrieve(self) -> Credentials:
        """Run the helper, then call AssumeRoleWithSAML with its response."""
        assertion = self.assertions()
        principal = self._principal(assertion)
        with translating_errors("AssumeRoleWithSAML", hop=self.hop, client=self.client):
            response = self.client.assume_role_with_saml(
                PrincipalArn=principal, SAMLAssertion=assertion.text, **self.request()
            )
        self.last_sha256 = assertion.sha256
        return credentials_from_response(
            response, operation="AssumeRoleWithSAML", source=self.name, hop=self.hop
        )


def problem_error(assertions: object, problem: AssertionProblem) -> ProviderError:
    """``problem`` as the error of the helper behind ``assertions`` (any callable)."""
    if isinstance(assertions, SamlProcess):
        return assertions.error(problem)
    return ProviderError(f"the SAML response {problem.args[0]}", reason=problem.reason)


def build(source: SamlSource, inputs: Inputs) -> Built:
    """AssumeRoleWithSAML with ``saml_process``'s response, kept on disk under the
    command line and the request: a warm run runs no helper and opens no browser."""
    from resolver.providers.sts.caller import CallerBoundStsClient

    environ = inputs.ctx.environ
    label = f"{source.profile} ({source.role_arn})"
    provider = SamlRoleProvider(
        CallerBoundStsClient(None, inputs.target),
        source.role_arn,
        SamlProcess(source.saml_process, environ=environ, label=source.profile),
        principal_arn=source.principal_arn,
        duration=source.duration_seconds,
        policy=source.policy,
        policy_arns=source.policy_arns,
        label=label,
    )
    material = {
        "kind": "saml",
        "profile": source.profile,
        "saml_process": source.saml_process,
        "role_arn": source.role_arn,
        "principal_arn": source.principal_arn,
        "duration": source.duration_seconds,
        "policy": source.policy,
        "policy_arns": list(source.policy_arns),
        "target": inputs.target_material(),
    }
    return Built(provider, StepKey(material, depends=command_depends(source.saml_process, environ)))
