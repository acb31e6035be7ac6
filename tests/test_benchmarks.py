"""The benchmark suite's own pieces: generated configs, the report, the launcher.

No timings are asserted; these only check that the suite measures what it says.
``benchmarks/run.py`` imports its modules by plain name (its directory is sys.path[0]),
so these tests put that directory on sys.path for their own duration only.
"""

from __future__ import annotations

import ast
import importlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType, SimpleNamespace

import botocore.configloader
import pytest

from resolver.api import plan
from resolver.chain.types import StaticSource
from tests.conftest import IsolatedEnv
from tests.moto_support import MotoServer

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
MODULES = (
    "harness",
    "report",
    "workspace",
    "tls",
    "scenario_chains",
    "scenarios_cli",
    "peers",
    "scenario_peers",
    "server_load",
    "scenario_parallel",
    "scenario_server",
    "run",
)


@pytest.fixture
def bench(monkeypatch: pytest.MonkeyPatch) -> Iterator[SimpleNamespace]:
    """The benchmark modules, imported from benchmarks/ and forgotten afterwards."""
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    modules: dict[str, ModuleType] = {name: importlib.import_module(name) for name in MODULES}
    try:
        yield SimpleNamespace(**modules)
    finally:
        for name, module in list(sys.modules.items()):
            if str(getattr(module, "__file__", None) or "").startswith(str(BENCHMARKS)):
                del sys.modules[name]


@pytest.mark.parametrize("fillers", [10, 1000])
def test_generated_config_has_the_fillers_then_the_bench_profiles(
    bench: SimpleNamespace, isolated_env: IsolatedEnv, fillers: int
) -> None:
    path = isolated_env.aws_config_file
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(bench.workspace.config_text(fillers))

    sections = list(botocore.configloader.raw_config_parse(str(path)))
    bench_sections = [f"profile {name}" for name in bench.workspace.BENCH_PROFILE_NAMES]
    assert len(sections) == fillers + len(bench_sections)
    assert sections[:fillers] == [f"profile p{index}" for index in range(fillers)]
    assert sections[fillers:] == bench_sections  # last: every tool reads the whole file

    chain = plan(bench.workspace.CHAIN_PROFILE)
    assert isinstance(chain.source, StaticSource)
    assert [hop.role_arn.rsplit("/", 1)[1] for hop in chain.hops] == ["a", "b", "c"]
    assert len(chain.hops) == bench.workspace.CHAIN_HOPS == 3
    for hops in bench.workspace.CHAIN_LENGTHS:  # the chain-length scenario's profiles
        chain = plan(bench.workspace.chain_profile(hops))
        assert isinstance(chain.source, StaticSource) and chain.source.profile == "bench-user"
        assert [hop.role_arn.rsplit("/", 1)[1] for hop in chain.hops] == [
            f"h{n}" for n in range(1, hops + 1)
        ]
    static = plan(bench.workspace.STATIC_PROFILE)
    assert isinstance(static.source, StaticSource) and not static.hops


def test_ratio_growth_and_verdict(bench: SimpleNamespace) -> None:
    report = bench.report
    assert report.ratio(3.0, 2.0) == 1.5
    assert report.ratio(1.0, 0.0) == float("inf")
    # 0.1 s above a 0.02 s floor at 1k, 0.5 s above it at 50k: 5× for 50× the profiles
    assert report.growth(0.12, 0.02, 0.53, 0.03) == pytest.approx(5.0)
    assert [report.verdict(v) for v in (True, False, None)] == ["met", "missed", "not measured"]
    assert report.at_most(1.10, 1.10) and not report.at_most(1.11, 1.10)
    assert report.at_least(2.0, 2.0) and not report.at_least(1.99, 2.0)
    assert report.fmt_ms(0.0123) == "12.3 ms"
    assert report.fmt_ms(2.2687) == "2,269 ms"
    assert report.fmt_us(4.25e-6) == "4.25 µs"
    assert report.fmt_ratio(1.066) == "1.07×"
    assert report.fmt_kib(10136) == "10,136 KiB"


def test_report_renders_header_summary_and_sections(bench: SimpleNamespace) -> None:
    report = bench.report
    header = report.Header(
        when="2026-01-02 03:04:05 UTC",
        python="CPython 3.11.7",
        platform="Linux-x86_64",
        cpus=2,
        version="0.1.0",
        commit="abc123",
        command="python benchmarks/run.py --quick",
        rounds="2 measured rounds",
    )
    warm = report.Section(
        "Warm credential_process",
        body=[report.table(["command", "median"], [["floor", "20.0 ms"]])],
        targets=[
            report.Target("rolechain ≤ 1.10× floor", "1.05×", True),
            report.Target("boto3 ≥ 2× rolechain", "1.50×", False),
        ],
        number=1,
    )
    broken = report.Section("Peak memory", error="CommandFailed: boom", number=6)
    text = report.render(header, [warm, broken])

    assert "| commit | abc123 |" in text
    assert "| command | `python benchmarks/run.py --quick` |" in text
    assert "| 1. Warm credential_process | rolechain ≤ 1.10× floor | 1.05× | met |" in text
    assert "| 1. Warm credential_process | boto3 ≥ 2× rolechain | 1.50× | missed |" in text
    assert "| 6. Peak memory | — | failed: see below | failed |" in text
    assert "## 1. Warm credential_process" in text and "## 6. Peak memory" in text
    assert "| floor | 20.0 ms |" in text
    assert "CommandFailed: boom" in text
    assert text.index("## Summary") < text.index("## 1.") < text.index("## 6.")


def test_table_alignment(bench: SimpleNamespace) -> None:
    assert bench.report.table(["a", "b", "c"], [[1, 2, 3]]) == (
        "| a | b | c |\n|---|---:|---:|\n| 1 | 2 | 3 |"
    )


def test_launcher_reports_the_commands_own_peak_and_failures(bench: SimpleNamespace) -> None:
    harness = bench.harness
    python = sys.executable
    run = harness.run_once(harness.Command("big", [python, "-c", "b = bytearray(64 << 20)"]))
    assert run.seconds > 0 and run.maxrss_kib > 64 << 10
    with pytest.raises(harness.CommandFailed, match="exited 3"):
        harness.run_once(harness.Command("fails", [python, "-c", "raise SystemExit(3)"]))


def test_sts_actions_counts_query_and_form_actions(bench: SimpleNamespace) -> None:
    lines = [
        '{"url": "/?Action=AssumeRole&Version=2011-06-15", "body": ""}',
        '{"url": "/", "body": "Action=AssumeRole&Version=2011-06-15&RoleArn=x"}',
        '{"url": "/", "body": "Action=GetCallerIdentity&Version=2011-06-15"}',
        '{"url": "/", "body": "Action=ListQueues&Version=2012-11-05"}',
    ]
    actions = bench.workspace.sts_actions("\n".join(lines) + "\n")
    assert actions == {"AssumeRole": 2, "GetCallerIdentity": 1}


def test_quick_options(bench: SimpleNamespace, tmp_path: Path) -> None:
    options, args = bench.run.parse_options(["--quick", "--output", str(tmp_path / "r.md")])
    assert options.sizes == (10, 1000) and options.processes == (1, 8)
    assert options.rounds < 9 and args.output == tmp_path / "r.md"
    full, _ = bench.run.parse_options(["--only", "size", "memory"])
    assert full.sizes[-1] == 50_000 and full.processes == (1, 8, 32)


def test_ratios_are_paired_by_round_and_reported_with_their_spread(bench: SimpleNamespace) -> None:
    report = bench.report
    ratios = report.paired_ratios([1.0, 2.0, 3.0, 8.0], [2.0, 2.0, 2.0, 2.0])
    assert ratios == [0.5, 1.0, 1.5, 4.0]
    median, q1, q3 = report.spread(ratios)
    assert (median, q1, q3) == (1.25, 0.875, 2.125)
    assert report.fmt_spread(ratios) == "1.25× (IQR 0.88–2.12×)"
    assert report.spread([0.7]) == (0.7, 0.7, 0.7)
    with pytest.raises(ValueError):  # rounds that do not pair up are a bug, not a ratio
        report.paired_ratios([1.0], [1.0, 2.0])


def test_children_run_from_a_neutral_directory_without_python_variables(
    bench: SimpleNamespace, tmp_path: Path
) -> None:
    harness = bench.harness
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tmp_path), "PYTHONDONTWRITEBYTECODE": "1"}
    assert harness.clean_env(env) == {"PATH": "/usr/bin:/bin"}
    probe = tmp_path / "probe.txt"
    code = (
        "import os, sys; open(sys.argv[1], 'w').write("
        "repr((os.getcwd(), os.environ.get('PYTHONPATH'), sys.dont_write_bytecode)))"
    )
    harness.run_once(harness.Command("probe", [sys.executable, "-c", code, str(probe)], env))
    cwd, pythonpath, no_bytecode = ast.literal_eval(probe.read_text())
    assert cwd == os.path.realpath(harness.NEUTRAL_DIR) and not os.listdir(cwd)
    assert pythonpath is None and no_bytecode is False


def test_the_https_sts_certificate_names_the_loopback_address(
    bench: SimpleNamespace, tmp_path: Path
) -> None:
    from cryptography import x509

    cert_path, key_path = bench.tls.write_self_signed(tmp_path)
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert [str(ip) for ip in names.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]
    assert key_path.stat().st_mode & 0o077 == 0


def test_per_hop_cost_is_the_least_squares_slope_over_the_chain_lengths(
    bench: SimpleNamespace,
) -> None:
    harness, chains = bench.harness, bench.scenario_chains
    lengths = bench.workspace.CHAIN_LENGTHS
    # round 1: 0.30 s + 15 ms per hop exactly; round 2: the same plus one slow 1-hop run
    first = {hops: 0.30 + 0.015 * hops for hops in lengths}
    second = {**first, min(lengths): first[min(lengths)] + 0.05}
    samples = {
        f"boto3 {hops}": harness.Samples(
            [harness.Run(first[hops], 1), harness.Run(second[hops], 1)]
        )
        for hops in lengths
    }
    exact, skewed = chains._per_hop(samples, "boto3")
    assert exact == pytest.approx(0.015)
    two_ends = (second[max(lengths)] - second[min(lengths)]) / (max(lengths) - min(lengths))
    assert abs(skewed - 0.015) < abs(two_ends - 0.015)  # one slow run moves it less


def test_peer_command_lines_name_the_venvs_scripts_and_the_chain(
    bench: SimpleNamespace, tmp_path: Path
) -> None:
    peers, workspace = bench.peers, bench.workspace
    env = workspace.Env({"XDG_CACHE_HOME": str(tmp_path / "xdg")}, tmp_path / "home", tmp_path)
    by_name = {peer.name: peer for peer in peers.PEERS}
    assert set(by_name) == {"awsume", "aws-export-credentials"}
    for peer in peers.PEERS:
        cold = peer.argv()
        assert Path(cold[0]) == Path(sys.executable).parent / peer.script
        assert workspace.CHAIN_PROFILE in cold and all(isinstance(arg, str) for arg in cold)
        assert peer.command_line().split()[0] == peer.script
    awsume = by_name["awsume"]  # its shell function sources what awsumepy prints
    assert awsume.argv() == (str(workspace.BIN / "awsumepy"), workspace.CHAIN_PROFILE)
    assert awsume.argv(env, warm=True) == awsume.argv()  # no cache for role chains
    export = by_name["aws-export-credentials"]
    assert export.argv()[1:] == ("--profile", workspace.CHAIN_PROFILE, "--json")
    warm = export.argv(env, warm=True)
    assert warm[:-2] == export.argv() and warm[-2] == "--cache-file"
    assert Path(warm[-1]).parent == env.home  # its own cache file, in the tool's HOME
    with pytest.raises(ValueError):
        export.argv(warm=True)


def test_peer_outputs_are_read_as_the_three_credential_parts(bench: SimpleNamespace) -> None:
    peers = {peer.name: peer for peer in bench.peers.PEERS}
    awsume = "Awsume ASIAKEY SECRET TOKEN us-east-1 bench-c None None 2026-01-01T00:00:00\n"
    assert peers["awsume"].keys(awsume) == ("ASIAKEY", "SECRET", "TOKEN")
    document = '{"Version": 1, "AccessKeyId": "K", "SecretAccessKey": "S", "SessionToken": "T"}'
    assert peers["aws-export-credentials"].keys(document) == ("K", "S", "T")
    for garbage in ("", "usage: awsume [-h]", "Awsume K S"):
        with pytest.raises(ValueError):
            peers["awsume"].keys(garbage)


def _fake_peer(bench: SimpleNamespace, tmp_path: Path, name: str, code: str) -> object:
    script = tmp_path / name
    script.write_text(f"#!{sys.executable}\n{code}\n")
    script.chmod(0o755)
    keys = bench.peers.PEERS[1].keys  # credential_process JSON
    return bench.peers.Peer(name=name, script=str(script), args=(), keys=keys, cache="")


BOTO3_CHAIN = (
    "import boto3, json\n"
    "c = boto3.Session(profile_name='bench-c').get_credentials().get_frozen_credentials()\n"
)


def test_the_probe_measures_only_peers_whose_credentials_moto_issued_for_role_c(
    bench: SimpleNamespace, tmp_path: Path, moto: MotoServer
) -> None:
    ws = bench.workspace.Workspace(tmp_path, moto)
    env = ws.env(10, "probe")
    printing = "print(json.dumps(dict(AccessKeyId=k, SecretAccessKey=s, SessionToken=t)))"
    real = BOTO3_CHAIN + "k, s, t = c.access_key, c.secret_key, c.token\n" + printing
    static = f"import json\nk, s, t = {bench.workspace.KEY_ID!r}, 'x', 'y'\n" + printing
    replayed = BOTO3_CHAIN + f"k, s, t = {bench.workspace.KEY_ID!r}, 'x', 'y'\n" + printing
    failing = "import sys\nsys.exit('boom')"
    probe = bench.peers.probe
    assert probe(ws, _fake_peer(bench, tmp_path, "real", real), env) is None
    made_no_calls = probe(ws, _fake_peer(bench, tmp_path, "static", static), env)
    assert made_no_calls is not None and made_no_calls.startswith("made STS calls for ()")
    not_role_c = probe(ws, _fake_peer(bench, tmp_path, "replayed", replayed), env)
    assert not_role_c is not None and not_role_c.endswith("not role c's")
    assert probe(ws, _fake_peer(bench, tmp_path, "failing", failing), env) == (
        "exits 1 after 0 STS calls: boom"
    )
    missing = bench.peers.Peer("missing", str(tmp_path / "absent"), (), str.split, "")
    assert "not installed" in str(probe(ws, missing, env))


def test_the_warm_target_checks_the_median_and_the_upper_quartile(bench: SimpleNamespace) -> None:
    floor_targets = bench.scenarios_cli.floor_targets
    steady = floor_targets([1.02, 1.04, 1.05, 1.06, 1.08], "x")
    assert [target.met for target in steady] == [True, True]
    slow_quarter = floor_targets([1.0, 1.0, 1.05, 1.3, 1.4], "x")  # median 1.05, Q3 1.3
    assert [target.met for target in slow_quarter] == [True, False]
    assert [target.met for target in floor_targets([1.15] * 5, "x")] == [False, True]


def test_peers_not_led_are_named_in_the_report_with_why_from_the_figures(
    bench: SimpleNamespace,
) -> None:
    peers = bench.scenario_peers
    assert peers.where_not_leading([], "in both runs") == (
        "rolechain leads every measured peer in both runs."
    )
    ours = peers.Timed("warm", "rolechain", 0.030, 0)
    cached = peers.why_slower(ours, peers.Timed("warm", "x", 0.020, 0), 0.011)
    assert cached.startswith("warm: x took 20.0 ms, rolechain 30.0 ms (floor 11.0 ms)")
    assert "no fewer STS round trips" in cached and "above the floor" in cached
    assert "19.0 ms above the floor, x 9.0 ms" in cached
    fewer = peers.why_slower(
        peers.Timed("cold", "rolechain", 0.2, 3), peers.Timed("cold", "y", 0.1, 0), 0.01
    )
    assert "its cache answered where rolechain called STS" in fewer
    line = peers.where_not_leading([cached, fewer], "in both runs")
    assert line.startswith("Where rolechain does not lead: warm: x took") and fewer in line
    larger = peers.why_larger("z", 9000.0, 8000.0, 7000.0)
    assert "rolechain held 2,000 KiB above the interpreter's own, z 1,000 KiB" in larger


def test_parallel_says_why_at_each_n_rolechain_does_not_lead(bench: SimpleNamespace) -> None:
    parallel = bench.scenario_parallel
    batches = [
        parallel.Batch("rolechain", 1, 3, 0, 0, 0.30),
        parallel.Batch("peer", 1, 3, 0, 0, 0.20),
        parallel.Batch("rolechain", 8, 3, 0, 0, 0.40),
        parallel.Batch("peer", 8, 24, 0, 0, 1.00),
        parallel.Batch("rolechain", 32, 40, 0, 0, 0.50),
        parallel.Batch("peer", 32, 30, 0, 0, 2.00),
    ]
    slower, more = parallel.why_not_leading(batches, "peer")
    assert slower.startswith("N=1: rolechain 3 AssumeRole calls in 0.30 s, peer 3 in 0.20 s")
    assert "the batch took 0.10 s longer" in slower
    assert more.startswith("N=32:") and more.endswith("rolechain made more STS calls.")
    target = parallel._lead_target(batches, "peer")
    assert target.met is False and "N=8: 3 vs 24 AssumeRole" in target.measured
    led = [b for b in batches if b.processes == 8]
    assert parallel.why_not_leading(led, "peer") == [] and parallel._lead_target(led, "peer").met


def test_a_peer_runs_from_its_own_venv_when_it_has_the_script(
    bench: SimpleNamespace, tmp_path: Path
) -> None:
    peers = bench.peers
    export = next(peer for peer in peers.PEERS if peer.venv)
    assert peers.places(export, tmp_path) == [bench.workspace.BIN]  # no venv: the main one
    own = tmp_path / export.venv / "bin"
    own.mkdir(parents=True)
    assert peers.places(export, tmp_path) == [bench.workspace.BIN]  # a venv without it
    (own / export.script).write_text("")
    assert peers.places(export, tmp_path) == [own, bench.workspace.BIN]
    placed = bench.peers.dataclasses.replace(export, bin=own)
    assert placed.argv()[0] == str(own / export.script)
    assert peers.runs_with(placed) == f"`{export.venv}`: unknown"  # no python in it
    awsume = next(peer for peer in peers.PEERS if not peer.venv)
    assert peers.places(awsume, tmp_path) == [bench.workspace.BIN]


def test_sdk_versions_names_boto3_and_botocore_of_that_interpreter(
    bench: SimpleNamespace, tmp_path: Path
) -> None:
    from importlib.metadata import version

    here = bench.peers.sdk_versions(Path(sys.executable).parent)
    assert here == f"boto3 {version('boto3')}, botocore {version('botocore')}"
    assert bench.peers.sdk_versions(tmp_path) == "unknown"  # no python there


def test_locate_falls_back_to_the_next_place_then_gives_every_reason(
    bench: SimpleNamespace, tmp_path: Path, moto: MotoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    peers = bench.peers
    ws = bench.workspace.Workspace(tmp_path, moto)
    printing = "print(json.dumps(dict(AccessKeyId=k, SecretAccessKey=s, SessionToken=t)))"
    real = BOTO3_CHAIN + "k, s, t = c.access_key, c.secret_key, c.token\n" + printing
    broken, working = tmp_path / "broken" / "bin", tmp_path / "working" / "bin"
    for directory, code in ((broken, "import sys\nsys.exit('old botocore')"), (working, real)):
        directory.mkdir(parents=True)
        script = directory / "tool"
        script.write_text(f"#!{sys.executable}\n{code}\n")
        script.chmod(0o755)
    tool = peers.Peer("tool", "tool", (), peers.PEERS[1].keys, "")
    monkeypatch.setattr(peers, "places", lambda peer, checkout=None: [broken, working])
    found = peers.locate(ws, tool)
    assert isinstance(found, peers.Peer) and found.bin == working
    absent = tmp_path / "absent" / "bin"
    monkeypatch.setattr(peers, "places", lambda peer, checkout=None: [broken, absent])
    why = peers.locate(ws, tool)
    assert why == (
        "from broken: exits 1 after 0 STS calls: old botocore; "
        f"from absent: not installed in {absent.parent} (`pip install '.[bench]'`)"
    )


def test_requests_are_split_where_the_server_and_client_clocks_meet(
    bench: SimpleNamespace,
) -> None:
    load, server = bench.server_load, bench.scenario_server
    sent = [(5000, 10.0, 10.010), (5001, 10.0, 10.004), (5000, 20.0, 20.001), (6000, 1.0, 2.0)]
    served = [
        (5000, 20.0002, 20.0003, 20.0005),  # the port's second use
        (5000, 10.001, 10.002, 10.003),
        (5001, 10.0005, 10.001, 10.0015),
        (6000, 3.0, 3.1, 3.2),  # outside its request: not this one
    ]
    split = load.stages(sent, served)
    assert len(split) == 3
    first = split[0]
    assert (first.accepted, first.head, first.handled, first.after) == pytest.approx(
        (0.001, 0.001, 0.001, 0.007)
    )
    assert first.total == pytest.approx(0.010)
    assert split[2].handled == pytest.approx(0.0002)
    note = server.where_the_time_goes(split, 8)
    assert note.startswith("At 8 clients the slowest 1% of the timed run's requests (1, 10.0 ms")
    assert note.endswith("is after the server had answered and closed, until the client read it.")
    assert "no request could be matched" in server.where_the_time_goes([], 8)


def test_server_and_clients_are_pinned_to_different_cpus(bench: SimpleNamespace) -> None:
    plan_cpus = bench.server_load.plan_cpus
    assert plan_cpus([0, 1]) == bench.server_load.Cpus("0", "1")
    assert plan_cpus([2, 5, 7]) == bench.server_load.Cpus("2", "5,7")
    assert plan_cpus([3]).server == "" and "Not pinned" in plan_cpus([3]).note
    first = min(os.sched_getaffinity(0))
    code = "import os; print(sorted(os.sched_getaffinity(0)))"
    argv = bench.server_load.pinned(str(first), [sys.executable, "-c", code])
    assert subprocess.run(argv, capture_output=True, text=True).stdout == f"[{first}]\n"


def test_every_scenario_is_listed_for_run_py(bench: SimpleNamespace) -> None:
    assert {"peers", "server", "imds"} <= set(bench.run.SCENARIOS)
    assert bench.server_load.percentile([3.0, 1.0, 2.0, 4.0], 0.5) == 3.0


def test_server_load_sends_every_request_of_every_client(
    bench: SimpleNamespace,
) -> None:
    import socketserver
    import threading
    import time

    seen: list[bytes] = []

    class Answer(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            seen.append(self.rfile.readline())
            while self.rfile.readline() not in (b"\r\n", b""):
                pass
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")

    with socketserver.ThreadingTCPServer(("127.0.0.1", 0), Answer) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        request = "GET /x HTTP/1.1\r\nHost: x\r\n\r\n"
        started = time.perf_counter()
        run = bench.server_load.load(server.server_address[1], request, 2, 5, "")
        elapsed = time.perf_counter() - started
        server.shutdown()
    assert len(run.latencies) == 10 and seen == [b"GET /x HTTP/1.1\r\n"] * 10
    assert 0 < max(run.latencies) <= run.span < elapsed - 0.5  # within the measured requests
    assert len({port for port, _, _ in run.requests}) > 1 and run.waited >= 0
