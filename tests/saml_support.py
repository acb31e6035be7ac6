"""SAML responses for tests: the XML shape IdPs send (and moto's AssumeRoleWithSAML
reads), base64-encoded, and a ``saml_process`` helper script that prints a file."""

from __future__ import annotations

import base64
import sys
from pathlib import Path
from xml.sax.saxutils import escape

ACCOUNT = "123456789012"
PROVIDER = f"arn:aws:iam::{ACCOUNT}:saml-provider/okta"
OTHER_PROVIDER = f"arn:aws:iam::{ACCOUNT}:saml-provider/adfs"
ROLE_ATTRIBUTE = "https://aws.amazon.com/SAML/Attributes/Role"
SIGNATURE = "SIGNATURE-VALUE-that-must-never-be-shown-0123456789"


def role(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:role/{name}"


def saml_xml(
    role_values: list[list[str]], *, session_name: str = "alice@example.com", head: str = ""
) -> str:
    """A SAML response with one Role attribute per inner list (each value one
    AttributeValue), after a RoleSessionName attribute; ``head`` goes before the root."""
    attributes = "".join(
        f'<saml:Attribute Name="{ROLE_ATTRIBUTE}">'
        + "".join(f"<saml:AttributeValue>{escape(v)}</saml:AttributeValue>" for v in values)
        + "</saml:Attribute>"
        for values in role_values
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{head}'
        '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_r1" '
        'Version="2.0">'
        '<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_a1" '
        'Version="2.0">'
        f'<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignatureValue>'
        f"{SIGNATURE}</ds:SignatureValue></ds:Signature>"
        "<saml:AttributeStatement>"
        '<saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/RoleSessionName">'
        f"<saml:AttributeValue>{escape(session_name)}</saml:AttributeValue></saml:Attribute>"
        f"{attributes}</saml:AttributeStatement></saml:Assertion></samlp:Response>"
    )


def encoded(xml: str, *, wrap: int = 0) -> str:
    """``xml`` in base64, in lines of ``wrap`` characters (0: one line)."""
    text = base64.b64encode(xml.encode()).decode()
    if not wrap:
        return text
    return "\n".join(text[i : i + wrap] for i in range(0, len(text), wrap))


def helper_script(directory: Path) -> Path:
    """A saml_process helper: prints the file named by its argument, and appends a line
    to ``<file>.runs`` each time it runs."""
    script = directory / "saml_helper.py"
    script.write_text(
        "import sys\n"
        "path = sys.argv[1]\n"
        "with open(path + '.runs', 'a') as runs:\n"
        "    runs.write('ran\\n')\n"
        "sys.stdout.write(open(path).read())\n"
    )
    return script


def helper_command(script: Path, response: Path) -> str:
    return f"{sys.executable} {script} {response}"


def runs(response: Path) -> int:
    """How many times the helper printed ``response``."""
    marker = response.with_name(response.name + ".runs")
    return len(marker.read_text().splitlines()) if marker.exists() else 0
