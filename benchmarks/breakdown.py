"""In-process timing of one render, phase by phase, printed as JSON (run in a fresh interpreter).

    .venv/bin/python benchmarks/breakdown.py POLICY OUT_DIR

Phases mirror ``cdeops render``: import, YAML read, schema validation, cross-field rules, the full
``load_policy`` (read + validate + prompt files, what the CLI runs), each pipeline stage, the manifest,
and the atomic write. ``peak_rss_mb`` is this process's peak resident memory.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

__all__ = ["breakdown"]


def breakdown(policy_file: Path, out: Path) -> dict[str, float]:
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    from cdeops import __version__
    from cdeops.outputs.context import RenderContext
    from cdeops.policy.document import Policy
    from cdeops.policy.loader import load_policy
    from cdeops.policy.rules import check_policy
    from cdeops.policy.yaml_source import read_yaml
    from cdeops.render.pipeline import STAGES
    from cdeops.render.writer import MANIFEST, build_manifest, write_tree

    timings["import"] = time.perf_counter() - t0

    # the pieces of validation, each timed on its own (the full load below is what the CLI runs)
    t = time.perf_counter()
    located = read_yaml(policy_file.read_text(encoding="utf-8"), str(policy_file))
    timings["validate: yaml read"] = time.perf_counter() - t
    t = time.perf_counter()
    policy = Policy.model_validate(located.data)
    timings["validate: schema (pydantic)"] = time.perf_counter() - t
    t = time.perf_counter()
    check_policy(policy)
    timings["validate: cross-field rules"] = time.perf_counter() - t
    del located, policy

    t = time.perf_counter()
    loaded = load_policy(policy_file)
    timings["load_policy (total)"] = time.perf_counter() - t

    ctx = RenderContext(loaded)
    files: dict[str, bytes] = {}
    for stage in STAGES:
        t = time.perf_counter()
        produced = stage(ctx)
        name = f"stage: {stage.__module__.rsplit('.', 1)[-1]}"
        timings[name] = timings.get(name, 0.0) + time.perf_counter() - t
        files.update(produced)
    t = time.perf_counter()
    files[MANIFEST] = build_manifest(files, __version__)
    files = dict(sorted(files.items()))
    timings["manifest"] = time.perf_counter() - t
    t = time.perf_counter()
    write_tree(files, out, force=True)
    timings["write (atomic)"] = time.perf_counter() - t
    timings["total (load + stages + write)"] = sum(
        v for k, v in timings.items() if k.startswith(("load_policy", "stage:", "manifest", "write"))
    )
    timings["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return timings


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: breakdown.py POLICY OUT_DIR")
    print(json.dumps(breakdown(Path(sys.argv[1]), Path(sys.argv[2]))))
