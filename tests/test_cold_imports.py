"""The cold ``export`` loads only what its chain runs through: the table imports each base
module in its own arm, and the CLI's parser and the keyring lock import no base or
``sso populate`` module of their own (issue 25: a cold chain's import cost)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.moto_support import MotoServer

ROOT = Path(__file__).resolve().parent.parent
BASES = "resolver.providers.bases."
NOT_BASES = {BASES + "table", BASES + "built"}  # the table and its value types, no base


def loaded_after(code: str, tmp_path: Path, *argv: str, **variables: str) -> set[str]:
    """The modules a fresh interpreter holds after running ``code`` (with ``argv``, and
    ``variables`` in its environment)."""
    probe = f"{code}\nimport sys\nprint('\\n'.join(sys.modules), file=sys.stderr)"
    environ = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "XDG_CACHE_HOME": str(tmp_path)}
    environ["AWS_CONFIG_FILE"] = environ["AWS_SHARED_CREDENTIALS_FILE"] = str(tmp_path / "none")
    environ.update(variables)
    result = subprocess.run(
        [sys.executable, "-c", probe, *argv],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        env=environ,
    )
    assert result.returncode == 0, result.stderr
    return set(result.stderr.splitlines())


def bases_in(modules: set[str]) -> set[str]:
    return {name for name in modules if name.startswith(BASES)} - NOT_BASES


def test_importing_the_table_imports_no_base(tmp_path: Path) -> None:
    modules = loaded_after("import resolver.providers.bases.table", tmp_path)
    assert BASES + "table" in modules  # the probe sees the table
    assert bases_in(modules) == set()


def test_a_static_export_loads_only_the_static_base(tmp_path: Path) -> None:
    """A whole cold ``rolechain export`` of static keys (no STS call): one base module, no
    ``sso populate`` template module, no container/SAML/Roles Anywhere/process code, and
    no STS client or HTTP transport (they load on a chain's first STS call)."""
    config = tmp_path / "static.toml"
    config.write_text(
        '[profiles.base]\naws_access_key_id = "AKIDSTATIC"\naws_secret_access_key = "s"\n'
    )
    code = "import sys\nfrom resolver.cli.main import main\nassert main(sys.argv[1:]) == 0"
    modules = loaded_after(code, tmp_path, "--config", str(config), "export", "base")
    assert "resolver.providers.executor" in modules  # the chain ran
    assert bases_in(modules) == {BASES + "static"}
    left_out = {"resolver.config.sso_profiles", "resolver.providers.outbound"}
    left_out |= {"resolver.providers.sts.lite", "resolver.providers.sts.transport", "http.client"}
    left_out |= {"resolver.providers.children"}  # the helper-process runner (subprocess itself
    # is imported by the standard library on 3.10: uuid -> platform -> subprocess)
    assert modules & left_out == set()


HEAVY = {"botocore", "boto3", "urllib3", "dateutil", "certifi", "pydantic"}


def test_a_cold_role_chain_loads_no_botocore(tmp_path: Path, moto: MotoServer) -> None:
    """A whole cold ``rolechain export`` of static keys and two AssumeRole hops, answered
    by a real STS: neither botocore nor urllib3, dateutil or pydantic is imported (the
    stdlib STS client), and each hop's call reached STS."""
    config = tmp_path / "config"
    config.write_text(
        "[profile base]\naws_access_key_id = AKIDSTATIC\naws_secret_access_key = s\n"
        "[profile a]\nsource_profile = base\nrole_arn = arn:aws:iam::123456789012:role/a\n"
        "[profile b]\nsource_profile = a\nrole_arn = arn:aws:iam::123456789012:role/b\n"
    )
    code = "import sys\nfrom resolver.cli.main import main\nassert main(sys.argv[1:]) == 0"
    modules = loaded_after(
        code,
        tmp_path,
        "export",
        "b",
        AWS_CONFIG_FILE=str(config),
        AWS_ENDPOINT_URL_STS=moto.url,
        AWS_REGION="us-east-1",
        ROLECHAIN_CACHE_DIR=str(tmp_path / "cache"),
    )
    assert "resolver.providers.sts.lite" in modules  # the chain called STS
    assert {name.partition(".")[0] for name in modules} & HEAVY == set()
    roles = [call.params.get("RoleArn", "") for call in moto.sts_calls()]
    assert [role.rpartition("/")[2] for role in roles] == ["a", "b"]
