"""Config size: `rolechain explain` vs botocore resolving one profile from the same file.

Generates shared config files of 10 to 50,000 profiles (static keys and role chains),
then times, alternating A/B in one run: the floor (`python3 -c pass`), `rolechain
explain P --json` for a 3-hop chain at the end of the file, and botocore loading one
static profile's credentials (`Session(profile=P).get_credentials()`), which parses the
whole file. No network: botocore only reads static keys, and explain is pure.

    python benchmarks/config_scale.py [--rounds 5] [--sizes 10,1000,10000,50000]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import Command, alternate, markdown_table, ms


def write_config(path: Path, profiles: int) -> tuple[str, str]:
    """A config of ``profiles`` sections; returns (a role profile, a static profile) at its end."""
    lines: list[str] = []
    for index in range(profiles):
        if index % 4 == 0:
            lines += [f"[profile p{index}]", "aws_access_key_id = AKIAIOSFODNN7EXAMPLE",
                      "aws_secret_access_key = secret", "region = us-east-1", ""]  # fmt: skip
        else:
            lines += [f"[profile p{index}]", f"source_profile = p{index - 1}",
                      f"role_arn = arn:aws:iam::123456789012:role/r{index}", ""]  # fmt: skip
    path.write_text("\n".join(lines))
    last_static = (profiles - 1) // 4 * 4
    return f"p{profiles - 1}", f"p{last_static}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--sizes", default="10,1000,10000,50000")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    rows = []
    timings: dict[int, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            config = Path(tmp) / f"config-{size}"
            role_profile, static_profile = write_config(config, size)
            env = {**os.environ, "AWS_CONFIG_FILE": str(config),
                   "AWS_SHARED_CREDENTIALS_FILE": str(Path(tmp) / "none"),
                   "ROLECHAIN_CONFIG": str(Path(tmp) / "empty.toml")}  # fmt: skip
            (Path(tmp) / "empty.toml").write_text("")
            botocore_code = (
                "import botocore.session\n"
                f"botocore.session.Session(profile={static_profile!r})"
                ".get_credentials().get_frozen_credentials()\n"
            )
            commands = [
                Command("floor", [sys.executable, "-c", "pass"], env),
                Command(
                    "rolechain",
                    [sys.executable, "-m", "resolver", "explain", role_profile, "--json"],
                    env,
                ),
                Command("botocore", [sys.executable, "-c", botocore_code], env),
            ]
            medians = alternate(commands, args.rounds)
            timings[size] = medians
            rolechain, botocore, floor = (medians[k] for k in ("rolechain", "botocore", "floor"))
            rows.append(
                [f"{size:,}", ms(floor), ms(rolechain), ms(botocore),
                 f"{rolechain / botocore:.2f}x", f"{rolechain / floor:.2f}x"]
            )  # fmt: skip
    print(markdown_table(
        ["profiles", "floor", "rolechain explain", "botocore one profile",
         "rolechain / botocore", "rolechain / floor"], rows))  # fmt: skip
    if len(sizes) > 1:
        small, large = sizes[0] if sizes[0] >= 1000 else sizes[1], sizes[-1]
        growth = (timings[large]["rolechain"] - timings[large]["floor"]) / max(
            timings[small]["rolechain"] - timings[small]["floor"], 1e-9
        )
        print(f"\nrolechain growth above the floor from {small:,} to {large:,} profiles: "
              f"{growth:.1f}x for {large / small:.0f}x the profiles")  # fmt: skip


if __name__ == "__main__":
    main()
