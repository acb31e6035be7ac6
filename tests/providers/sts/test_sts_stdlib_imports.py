"""Each piece of the stdlib STS client, used on its success path in a fresh interpreter,
imports none of what the cold path left behind: botocore, urllib3, dateutil, certifi."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("botocore", "urllib3", "dateutil", "certifi")
PROBES = {
    "endpoints": "e.regional_endpoint('eu-west-1', legacy_global=False)",
    "sigv4": (
        "import datetime\n"
        "e.sigv4_headers(method='POST', url='https://sts.amazonaws.com/', headers={}, body=b'x',"
        " access_key='a', secret_key='s', token='t', region='us-east-1', service='sts',"
        " now=datetime.datetime(2024, 1, 1))"
    ),
    "retry": (
        "p = e.StandardRetry(3); c = e.CallRetries()\n"
        "p.after_attempt(c, status=None, error_code=None, exception=TimeoutError())\n"
        "p.after_attempt(c, status=503, error_code='Throttling', exception=None)"
    ),
    "query": (
        "from resolver.providers.sts.model import sts_model\n"
        "e.query_body(sts_model(), 'AssumeRole', {'RoleArn': 'arn:aws:iam::123456789012:role/r',"
        " 'RoleSessionName': 'ss', 'Tags': [{'Key': 'k', 'Value': 'v'}]})"
    ),
    "query_parse": (
        "from resolver.providers.sts.model import sts_model\n"
        "ok = b'<R><AssumeRoleResult><Credentials><AccessKeyId>A</AccessKeyId>"
        "<Expiration>2030-01-01T00:00:00Z</Expiration></Credentials></AssumeRoleResult></R>'\n"
        "e.parse_answer(sts_model(), 'AssumeRole', 200, {}, ok)\n"
        "e.parse_answer(sts_model(), 'AssumeRole', 403, {}, b'<ErrorResponse><Error><Code>"
        "RegionDisabledException</Code></Error></ErrorResponse>')"
    ),
    "transport": (
        "e.HttpTransport(verify=True, proxies={'http': 'http://u:p@proxy:3128'},"
        " connect_timeout=1, read_timeout=1).context()"
    ),
    "lite": (
        "from resolver.providers.sts.factory import StsTarget\n"
        "e.LiteStsClient(StsTarget('eu-west-1', None), signed=True)"
    ),
}


@pytest.mark.parametrize("module", PROBES)
def test_the_success_path_imports_no_botocore(module: str) -> None:
    code = (
        f"import sys, resolver.providers.sts.{module} as e\n{PROBES[module]}\n"
        "print(' '.join(sorted(sys.modules)))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = done.stdout.split()
    assert f"resolver.providers.sts.{module}" in loaded
    assert [name for name in loaded if name.partition(".")[0] in HEAVY] == []
