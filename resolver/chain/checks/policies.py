"""Static checks of session policies: the inline JSON document and managed policy ARNs.
Pure: stdlib only."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from resolver.chain.checks.names import ARN_CHARS
from resolver.chain.checks.text import show
from resolver.config.values import json_nesting_problem

POLICY_MAX_CHARS = 2048
POLICY_ARNS_MAX = 10
_POLICY_ARN = re.compile(
    r"arn:aws[a-z-]*:iam::(?:\d{12}|aws):policy/(?:[\x21-\x7e]*/)?[\w+=,.@-]{1,128}", re.A
)
_POLICY_TEXT = re.compile(r"[\t\n\r\x20-\xff]*")


def check_policy(text: str) -> str | None:
    """Inline session policy: a JSON object, at most 2048 characters of tab/LF/CR/U+0020-U+00FF."""
    if (too_deep := json_nesting_problem(text)) is not None:
        return f"policy {too_deep}"
    try:
        document = json.loads(text, parse_constant=_reject_constant)
    except ValueError as exc:
        detail = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
        return f"policy is not valid JSON ({detail})"
    if not isinstance(document, dict):
        return f"policy must be a JSON object (a policy document), not {type(document).__name__}"
    bad = next((char for char in text if not _POLICY_TEXT.fullmatch(char)), None)
    if bad is not None:
        return (
            f"policy contains {bad!r}; STS accepts only tab, newline, carriage return "
            "and characters U+0020-U+00FF"
        )
    if len(text) > POLICY_MAX_CHARS:
        return (
            f"policy is {len(text)} characters; STS allows {POLICY_MAX_CHARS} characters "
            "of inline and managed session policy plaintext together"
        )
    return None


def _reject_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


def check_policy_arns(arns: Sequence[str]) -> list[str]:
    """PolicyArns: at most 10, each a 20-2048 character IAM managed policy ARN."""
    problems: list[str] = []
    if len(arns) > POLICY_ARNS_MAX:
        problems.append(f"policy_arns lists {len(arns)} ARNs; STS allows {POLICY_ARNS_MAX}")
    low, high = ARN_CHARS
    for arn in arns:
        if not low <= len(arn) <= high:
            problems.append(f"policy ARN {show(arn)} must be {low}-{high} characters")
        elif _POLICY_ARN.fullmatch(arn) is None:
            problems.append(
                f"policy ARN {show(arn)} is not an IAM policy ARN "
                "(arn:<partition>:iam::<12-digit account or aws>:policy/[<path>/]<name>)"
            )
    return problems
