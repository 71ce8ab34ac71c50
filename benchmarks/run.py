"""The cdeops benchmark: one command, every figure, the targets checked as ratios measured in the same run.

    .venv/bin/python benchmarks/run.py            # 5 repetitions per timing (median), sizes 100/500/2000
    .venv/bin/python benchmarks/run.py --quick    # 2 repetitions

Generated policies and rendered trees go to ``benchmarks/out/`` (git-ignored); the results are printed
and also written to ``benchmarks/out/results.md`` and ``results.json``. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate_policy import Sizes, generate
from helm_compare import find_helm, make_chart

REPO = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
MAIN_TEAMS = 500

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class Run:
    seconds: float
    peak_mb: float
    returncode: int
    stdout: bytes = b""
    stderr: bytes = b""


def run_once(argv: list[str], stdout_file: Path | None) -> Run:
    """Wall time and peak RSS of one command (``wait4`` gives the rusage of this child alone)."""
    with tempfile.TemporaryFile() as out_tmp, tempfile.TemporaryFile() as err_tmp:
        out_target = open(stdout_file, "wb") if stdout_file else out_tmp  # noqa: SIM115
        try:
            start = time.perf_counter()
            proc = subprocess.Popen(argv, stdout=out_target, stderr=err_tmp, cwd=REPO, env=_env())
            _, status, usage = os.wait4(proc.pid, 0)
            seconds = time.perf_counter() - start
        finally:
            if stdout_file:
                out_target.close()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out_tmp.seek(0)
        err_tmp.seek(0)
        return Run(seconds, usage.ru_maxrss / 1024, proc.returncode, out_tmp.read(), err_tmp.read())


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    env["NO_COLOR"] = "1"
    return env


@dataclass
class Timing:
    median: float
    runs: list[float]
    peak_mb: float
    last: Run


def measure(argv: list[str], repeats: int, *, expect: int = 0, stdout_file: Path | None = None) -> Timing:
    runs = []
    for _ in range(repeats):
        r = run_once(argv, stdout_file)
        if r.returncode != expect:
            tail = (r.stderr or r.stdout).decode(errors="replace")[-2000:]
            raise SystemExit(f"`{' '.join(argv)}` exited {r.returncode}, expected {expect}:\n{tail}")
        runs.append(r)
    secs = [r.seconds for r in runs]
    return Timing(statistics.median(secs), secs, max(r.peak_mb for r in runs), runs[-1])


def cdeops_argv() -> list[str]:
    script = Path(sys.executable).with_name("cdeops")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "cdeops"]


def count_output(out: Path) -> tuple[int, int, float]:
    """(files listed in the manifest, Kubernetes objects in the YAML files, mean bytes per object)."""
    manifest = json.loads((out / "manifest.json").read_text())
    files = len(manifest["files"]) + 1
    objects, size = 0, 0
    for rel in manifest["files"]:
        if not rel.endswith((".yaml", ".yml")):
            continue
        text = (out / rel).read_text()
        chunks = text.split("\n---\n")
        for chunk, doc in zip(chunks, yaml.load_all(text, Loader=_Loader), strict=False):
            if isinstance(doc, dict) and "apiVersion" in doc and "kind" in doc:
                objects += 1
                size += len(chunk.encode())
    return files, objects, size / max(1, objects)


def breakdown(policy: Path, out: Path) -> dict[str, float]:
    for attempt in range(2):  # one retry: a working tree being edited can fail to import for a moment
        done = subprocess.run(
            [sys.executable, str(HERE / "breakdown.py"), str(policy), str(out)],
            capture_output=True,
            check=False,
            cwd=REPO,
        )
        if done.returncode == 0:
            result: dict[str, float] = json.loads(done.stdout)
            return result
        print(f"breakdown failed (attempt {attempt + 1}):\n{done.stderr.decode(errors='replace')[-1500:]}")
        time.sleep(5)
    return {}


@dataclass
class SizeResult:
    teams: int
    render: Timing
    validate: Timing
    files: int
    objects: int
    object_bytes: float
    phases: dict[str, float] = field(default_factory=dict)
    check: Timing | None = None
    helm: Timing | None = None
    helm_object_bytes: float = 0.0

    @property
    def in_process(self) -> float:
        return self.phases.get("total (load + stages + write)", float("nan"))


def check_available() -> bool:
    r = run_once([*cdeops_argv(), "check", "--help"], None)
    return r.returncode == 0


def bench_size(teams: int, repeats: int, workdir: Path, helm: Path | None, with_check: bool) -> SizeResult:
    policy = generate(workdir / f"policy-{teams}", Sizes(teams=teams))
    out = workdir / f"render-{teams}"
    cli = cdeops_argv()
    print(f"[{teams} teams] validate …", flush=True)
    validate = measure([*cli, "validate", str(policy)], repeats)
    print(f"[{teams} teams] render ×{repeats} …", flush=True)
    render = measure([*cli, "render", str(policy), "-o", str(out), "--force"], repeats)
    files, objects, object_bytes = count_output(out)
    print(f"[{teams} teams] in-process breakdown …", flush=True)
    phases = breakdown(policy, workdir / f"render-{teams}-breakdown")
    result = SizeResult(teams, render, validate, files, objects, object_bytes, phases)
    print(
        f"[{teams} teams] render {_ms(render.median)}, peak {render.peak_mb:.0f} MB, validate {_ms(validate.median)},"
        f" {files} files, {objects} objects, in-process {_ms(result.in_process)}",
        flush=True,
    )
    if with_check:
        print(f"[{teams} teams] check …", flush=True)
        r = run_once([*cli, "check", str(out)], None)
        result.check = Timing(r.seconds, [r.seconds], r.peak_mb, r)
        print(f"[{teams} teams] check {_ms(r.seconds)} (exit {r.returncode})", flush=True)
    if helm is not None:
        print(f"[{teams} teams] helm template ({objects} objects) …", flush=True)
        chart, result.helm_object_bytes = make_chart(workdir / f"chart-{teams}", helm, objects, object_bytes)
        result.helm = measure(chart.command(helm), repeats, stdout_file=workdir / f"helm-{teams}.yaml")
        print(f"[{teams} teams] helm template {_ms(result.helm.median)}", flush=True)
    return result


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


def _mark(ok: bool | None) -> str:
    return "n/a" if ok is None else ("met" if ok else "NOT met")


def report(results: list[SizeResult], typer_t: Timing, help_t: Timing, repeats: int) -> str:
    main = next((r for r in results if r.teams == MAIN_TEAMS), results[len(results) // 2])
    lines = [f"### {main.teams}-team policy (median of {repeats})", "", "| measure | value |", "|---|---|"]
    rows = [
        ("`cdeops render` (subprocess wall)", _ms(main.render.median)),
        ("`helm template`, same object count", _ms(main.helm.median) if main.helm else "n/a (helm not found)"),
        ("render peak memory", f"{main.render.peak_mb:.0f} MB"),
        ("files written / Kubernetes objects", f"{main.files} / {main.objects}"),
        (
            "mean object size, cdeops / helm chart",
            f"{main.object_bytes:.0f} B / {main.helm_object_bytes:.0f} B"
            if main.helm
            else f"{main.object_bytes:.0f} B",
        ),
        ("`cdeops validate`", _ms(main.validate.median)),
        (
            "`cdeops check DIR`",
            _ms(main.check.median) if main.check else "n/a (not available)",
        ),
        ("`cdeops --help`", _ms(help_t.median)),
        ("`python -c 'import typer'`", _ms(typer_t.median)),
    ]
    lines += [f"| {a} | {b} |" for a, b in rows]
    lines += ["", "In-process breakdown of one render:", "", "| phase | time |", "|---|---|"]
    lines += [f"| {k} | {_ms(v)} |" for k, v in main.phases.items() if k != "peak_rss_mb"]

    lines += [
        "",
        "### Scaling",
        "",
        "| teams | files | objects | render wall | wall / team | in-process | in-process / team | peak memory"
        " | validate | helm template |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r.teams} | {r.files} | {r.objects} | {_ms(r.render.median)}"
            f" | {r.render.median / r.teams * 1000:.2f} ms"
            f" | {_ms(r.in_process)} | {r.in_process / r.teams * 1000:.2f} ms | {r.render.peak_mb:.0f} MB"
            f" | {_ms(r.validate.median)} | {_ms(r.helm.median) if r.helm else 'n/a'} |"
        )

    biggest, smallest = results[-1], results[0]
    flat = (biggest.in_process / biggest.teams) / (smallest.in_process / smallest.teams)
    # marginal cost per team of the last size step against the first: fixed costs cancel out
    if len(results) >= 3:
        first = (results[1].in_process - results[0].in_process) / (results[1].teams - results[0].teams)
        last = (results[-1].in_process - results[-2].in_process) / (results[-1].teams - results[-2].teams)
        marginal = last / first
    else:
        marginal = float("nan")
    targets = [
        (
            f"render {main.teams} teams ≤ helm template (ratio ≤ 1.0)",
            f"{main.render.median / main.helm.median:.2f}" if main.helm else "n/a",
            None if not main.helm else main.render.median <= main.helm.median,
        ),
        (
            "`cdeops --help` ≤ 2× `import typer`",
            f"{help_t.median / typer_t.median:.2f}",
            help_t.median <= 2 * typer_t.median,
        ),
        (f"validate {main.teams} teams < 1 s", _ms(main.validate.median), main.validate.median < 1.0),
        (
            f"check of {main.teams}-team output < 10 s",
            _ms(main.check.median) if main.check else "n/a (not available)",
            None if not main.check else (main.check.median < 10 and main.check.last.returncode == 0),
        ),
        (
            f"memory at {biggest.teams} teams < 300 MB",
            f"{biggest.render.peak_mb:.0f} MB",
            biggest.render.peak_mb < 300,
        ),
        (
            f"in-process time per team flat, {smallest.teams} → {biggest.teams} teams (ratio ≤ 1.15)",
            f"{flat:.2f}",
            flat <= 1.15,
        ),
        (
            "marginal time per team, last size step / first (ratio ≤ 1.25: no superlinear term)",
            f"{marginal:.2f}",
            None if marginal != marginal else marginal <= 1.25,
        ),
    ]
    lines += ["", "### Targets", "", "| target | measured | status |", "|---|---|---|"]
    lines += [f"| {a} | {b} | {_mark(c)} |" for a, b, c in targets]
    if main.check and main.check.last.returncode != 0:
        lines += ["", f"note: `cdeops check` exited {main.check.last.returncode} on the rendered output"]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Benchmark cdeops render/validate/check against helm template.")
    parser.add_argument("--quick", action="store_true", help="2 repetitions instead of 5")
    parser.add_argument("--repeats", type=int, help="repetitions per timing (median is reported)")
    parser.add_argument("--teams", default="100,500,2000", help="comma-separated team counts")
    parser.add_argument("--workdir", type=Path, default=HERE / "out", help="where policies and renders go")
    parser.add_argument(
        "--check-sizes",
        default=str(MAIN_TEAMS),
        help="team counts at which to time `cdeops check` (slow: minutes at 2000 teams); 'all' for every size",
    )
    args = parser.parse_args(argv)
    repeats = args.repeats or (2 if args.quick else 5)
    sizes = sorted({int(t) for t in args.teams.split(",")})
    args.workdir.mkdir(parents=True, exist_ok=True)

    helm = find_helm(REPO)
    with_check = check_available()
    print(f"helm: {helm or 'not found'}; cdeops check: {'available' if with_check else 'n/a (not available)'}")
    typer_t = measure([sys.executable, "-c", "import typer"], max(repeats, 5))
    help_t = measure([*cdeops_argv(), "--help"], max(repeats, 5))
    check_sizes = set(sizes) if args.check_sizes == "all" else {int(t) for t in args.check_sizes.split(",") if t}
    results = [bench_size(n, repeats, args.workdir, helm, with_check and n in check_sizes) for n in sizes]

    text = report(results, typer_t, help_t, repeats)
    command = "`.venv/bin/python benchmarks/run.py" + (" --quick`" if args.quick else "`")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    text = (
        f"Reproduce with {command} ({os.cpu_count()} CPUs, Python {sys.version.split()[0]}, "
        f"load average at the end {load}).\n\n" + text
    )
    print()
    print(text)
    (args.workdir / "results.md").write_text(text)
    raw = {
        "typer_import": typer_t.runs,
        "help": help_t.runs,
        "sizes": [
            {
                "teams": r.teams,
                "files": r.files,
                "objects": r.objects,
                "render": r.render.runs,
                "render_peak_mb": r.render.peak_mb,
                "validate": r.validate.runs,
                "check": r.check.runs if r.check else None,
                "helm": r.helm.runs if r.helm else None,
                "phases": r.phases,
            }
            for r in results
        ],
    }
    (args.workdir / "results.json").write_text(json.dumps(raw, indent=2) + "\n")


if __name__ == "__main__":
    main()
