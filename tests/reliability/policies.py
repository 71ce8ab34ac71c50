"""Building policies for the reliability tests: copies of the shipped examples, mutated or grown."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from tests.support.examples import REPO, example_path

__all__ = ["cdeops_env", "copy_example", "grow_policy", "manifest_hashes", "run_cdeops", "tree_hashes"]


def copy_example(name: str, dest: Path) -> Path:
    """Copy ``examples/<name>/`` (policy and prompt files) to ``dest``; returns the policy file."""
    shutil.copytree(example_path(name).parent, dest, dirs_exist_ok=True)
    return dest / "cdeops.yaml"


def grow_policy(name: str, dest: Path, teams: int, *, first: int = 0, budget: float = 5000.0) -> Path:
    """A copy of an example with ``teams`` teams (named ``team-<first>`` on), each like the example's."""
    policy = copy_example(name, dest)
    doc: dict[str, Any] = yaml.safe_load(policy.read_text())
    base = doc["teams"]
    grown = []
    for i in range(first, first + teams):
        team = dict(base[i % len(base)], name=f"team-{i:03d}")
        team["budget"] = dict(team["budget"], monthly_usd=budget)
        grown.append(team)
    doc["teams"] = grown
    policy.write_text(yaml.safe_dump(doc, sort_keys=False))
    return policy


def cdeops_env(**extra: str) -> dict[str, str]:
    """The environment for running ``python -m cdeops`` from this checkout."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.update(extra)
    return env


def run_cdeops(
    *args: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the real CLI in a subprocess (``python -m cdeops ARGS``)."""
    return subprocess.run(
        [sys.executable, "-m", "cdeops", *map(str, args)],
        cwd=cwd,
        env=env or cdeops_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def tree_hashes(root: Path) -> dict[str, str]:
    """``{relative path: sha256}`` of every regular file under ``root`` (symlinks are listed as ``->``)."""
    found: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        base = Path(dirpath)
        for name in filenames + [d for d in dirnames if (base / d).is_symlink()]:
            path = base / name
            rel = path.relative_to(root).as_posix()
            if path.is_symlink():
                found[rel] = "-> " + os.readlink(path)
            elif not path.is_file():
                found[rel] = "special"  # a FIFO or a socket: never read it
            else:
                found[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def manifest_hashes(root: Path) -> dict[str, str]:
    """What ``tree_hashes`` must be for a complete render: the manifest's entries plus the manifest."""
    raw = (root / "manifest.json").read_bytes()
    files: dict[str, str] = dict(json.loads(raw)["files"])
    files["manifest.json"] = hashlib.sha256(raw).hexdigest()
    return files
