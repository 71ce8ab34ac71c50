"""Atomic output, nothing lost: killed renders, concurrent renders, foreign files and symlinks.

The kill test renders a policy grown to many teams (so a render takes a moment) as a real
``python -m cdeops render`` subprocess and SIGKILLs it at seeded random moments — half of them
while the new tree is being written — and checks after every kill that the output folder is
exactly the old tree or exactly the new one, byte for byte.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from cdeops.cli.app import main
from tests.reliability.policies import cdeops_env, copy_example, grow_policy, manifest_hashes, run_cdeops, tree_hashes

BASE = "eks-cilium"
TEAMS = 40  # enough that one render takes most of a second here
KILLS = 16
SEED = 20261204


@dataclass(frozen=True)
class Grown:
    policies: dict[str, Path]  # "A" and "B": different team sets and budgets
    trees: dict[str, dict[str, str]]  # their complete rendered trees (path → sha256)
    duration: float  # seconds for one whole render subprocess
    write_starts: float  # seconds until the writer's temp folder appeared


def _popen(policy: Path, out: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "cdeops", "render", str(policy), "-o", str(out)],
        env=cdeops_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _temp_siblings(out: Path) -> list[Path]:
    return sorted(out.parent.glob(".cdeops-*"))


def _own_temp(proc: subprocess.Popen[bytes], out: Path) -> Path:
    return out.parent / f".cdeops-tmp-{out.name}-{proc.pid}"


def _wait_for_write(proc: subprocess.Popen[bytes], out: Path, timeout: float = 60.0) -> float:
    """Block until this render's temp folder exists (or the render ended); returns the time waited."""
    start = time.monotonic()
    while proc.poll() is None and not _own_temp(proc, out).exists():
        if time.monotonic() - start > timeout:
            raise AssertionError("the render never started writing")
        time.sleep(0.002)
    return time.monotonic() - start


@pytest.fixture(scope="module")
def grown(tmp_path_factory: pytest.TempPathFactory) -> Grown:
    root = tmp_path_factory.mktemp("grown")
    policies = {
        "A": grow_policy(BASE, root / "a", TEAMS, first=0, budget=5000),
        "B": grow_policy(BASE, root / "b", TEAMS, first=TEAMS // 3, budget=7000),
    }
    trees: dict[str, dict[str, str]] = {}
    durations, starts = [], []
    for name, policy in policies.items():
        out = root / f"ref-{name}" / "out"
        out.parent.mkdir()
        began = time.monotonic()
        proc = _popen(policy, out)
        starts.append(_wait_for_write(proc, out))
        _, err = proc.communicate(timeout=120)
        durations.append(time.monotonic() - began)
        assert proc.returncode == 0, err.decode()
        trees[name] = tree_hashes(out)
        assert trees[name] == manifest_hashes(out)
    assert trees["A"] != trees["B"] and trees["A"].keys() != trees["B"].keys()
    return Grown(policies, trees, max(durations), min(starts))


def test_killed_renders_leave_old_or_new_tree(grown: Grown, tmp_path: Path) -> None:
    rng = random.Random(SEED)
    out = tmp_path / "work" / "out"
    out.parent.mkdir()
    assert run_cdeops("render", grown.policies["A"], "-o", out).returncode == 0
    current = "A"
    kills = kills_while_writing = finished = 0
    attempts = 0
    while kills < KILLS:
        attempts += 1
        assert attempts <= 3 * KILLS, f"only {kills} of {attempts} renders could be killed"
        target = "B" if current == "A" else "A"
        proc = _popen(grown.policies[target], out)
        if attempts % 2:
            time.sleep(rng.uniform(0.05, 1.0) * grown.duration)
        else:  # aim inside the write phase: after the temp folder appears
            _wait_for_write(proc, out)
            time.sleep(rng.uniform(0.0, 0.9) * max(grown.duration - grown.write_starts, 0.05))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.communicate(timeout=60)
        if proc.returncode == 0:
            finished += 1
        else:
            assert proc.returncode == -signal.SIGKILL
            kills_while_writing += _own_temp(proc, out).exists()
        state = tree_hashes(out)
        assert state in (grown.trees["A"], grown.trees["B"]), f"mixed tree after attempt {attempts}"
        current = "A" if state == grown.trees["A"] else "B"
    assert kills_while_writing >= 2, "too few kills landed while the new tree was being written"
    # the next render succeeds, and removes what the killed ones left behind
    target = "B" if current == "A" else "A"
    run = run_cdeops("render", grown.policies[target], "-o", out)
    assert run.returncode == 0, run.stderr
    assert tree_hashes(out) == grown.trees[target]
    assert _temp_siblings(out) == []
    print(f"\n{kills} kills survived ({kills_while_writing} while writing), {finished} renders finished")


def test_concurrent_renders_do_not_interleave(grown: Grown, tmp_path: Path) -> None:
    out = tmp_path / "work" / "out"
    out.parent.mkdir()
    for _ in range(1):
        procs = [_popen(grown.policies["A"], out), _popen(grown.policies["B"], out)]
        for proc in procs:
            _, err = proc.communicate(timeout=120)
            assert proc.returncode == 0, err.decode()
        assert tree_hashes(out) in (grown.trees["A"], grown.trees["B"])
        assert _temp_siblings(out) == []


# --- foreign files and folders --------------------------------------------------------------------


def _render(policy: Path, out: Path, *extra: str) -> int:
    try:
        main(["render", str(policy), "-o", str(out), *extra])
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def _outside(root: Path, out: Path) -> dict[str, str]:
    """Every file under ``root`` that is not inside ``out``: what a render must never touch."""
    return {p: h for p, h in tree_hashes(root).items() if not (root / p).is_relative_to(out)}


def _with_extra_team(policy: Path) -> Path:
    text = policy.read_text()
    extra = (
        "  - name: search\n    cost_center: CC-3000\n    models: [claude-haiku]\n    templates: [python]\n"
        "    budget: {monthly_usd: 100}\n"
    )
    assert "\ntemplates:\n" in text
    policy.write_text(text.replace("\ntemplates:\n", "\n" + extra + "\ntemplates:\n", 1))
    return policy


def test_foreign_files_are_kept_byte_exact(tmp_path: Path) -> None:
    policy = copy_example(BASE, tmp_path / "policy")
    out = tmp_path / "out"
    assert _render(policy, out) == 0
    notes = os.urandom(512) + b"\x00\xff\n"
    (out / "NOTES.md").write_bytes(notes)
    (out / "coder" / "mine.txt").write_bytes(b"my own file\n")
    (out / "coder" / "mine.txt").chmod(0o600)
    _with_extra_team(policy)
    assert _render(policy, out) == 0
    assert (out / "NOTES.md").read_bytes() == notes
    assert (out / "coder" / "mine.txt").read_bytes() == b"my own file\n"
    assert (out / "coder" / "mine.txt").stat().st_mode & 0o777 == 0o600
    rendered = manifest_hashes(out)
    assert any(p.startswith("coder/search-") for p in rendered)
    assert set(tree_hashes(out)) == set(rendered) | {"NOTES.md", "coder/mine.txt"}
    assert rendered.items() <= tree_hashes(out).items()


def test_foreign_file_at_a_rendered_path_needs_force(tmp_path: Path) -> None:
    policy = copy_example(BASE, tmp_path / "policy")
    out = tmp_path / "out"
    assert _render(policy, out) == 0
    (out / "NOTES.md").write_text("keep me\n")
    _with_extra_team(policy)
    clash = out / "coder" / "search-python" / "main.tf"
    clash.parent.mkdir()
    clash.write_text("# hand-written, not by cdeops\n")
    before = tree_hashes(out)
    assert _render(policy, out) == 2
    assert tree_hashes(out) == before
    assert _render(policy, out, "--force") == 0
    assert clash.read_text() != "# hand-written, not by cdeops\n"
    assert (out / "NOTES.md").read_text() == "keep me\n"
    assert tree_hashes(out)["coder/search-python/main.tf"] == manifest_hashes(out)["coder/search-python/main.tf"]


def test_non_cdeops_folder_refused_without_force(tmp_path: Path) -> None:
    policy = copy_example(BASE, tmp_path / "policy")
    out = tmp_path / "out"
    out.mkdir()
    (out / "thesis.tex").write_text("years of work\n")
    assert _render(policy, out) == 2
    assert tree_hashes(out) == {"thesis.tex": tree_hashes(out)["thesis.tex"]}
    (out / "manifest.json").write_text('{"files": {"thesis.tex": "x"}}\n')  # someone else's manifest
    assert _render(policy, out) == 2
    (out / "manifest.json").unlink()
    assert _render(policy, out, "--force") == 0
    assert (out / "thesis.tex").read_text() == "years of work\n"
    assert manifest_hashes(out).items() <= tree_hashes(out).items()


def test_empty_folder_is_fine(tmp_path: Path) -> None:
    policy = copy_example(BASE, tmp_path / "policy")
    (tmp_path / "out").mkdir()
    assert _render(policy, tmp_path / "out") == 0


# --- symlinks can never make cdeops write or delete outside the output folder ---------------------


def _elsewhere(root: Path) -> tuple[Path, Path]:
    folder = root / "elsewhere"
    (folder / "sub").mkdir(parents=True)
    (folder / "precious.txt").write_text("outside the output folder\n")
    (folder / "sub" / "deep.txt").write_text("also outside\n")
    return folder, folder / "precious.txt"


def test_output_folder_itself_a_symlink_is_refused(tmp_path: Path) -> None:
    policy = copy_example(BASE, tmp_path / "policy")
    folder, _ = _elsewhere(tmp_path)
    (tmp_path / "out").symlink_to(folder, target_is_directory=True)
    before = tree_hashes(folder)
    assert _render(policy, tmp_path / "out") == 2
    assert _render(policy, tmp_path / "out", "--force") == 2
    assert tree_hashes(folder) == before


@pytest.mark.parametrize("at", ["kubernetes", "coder", "terraform"])
def test_symlinked_folder_at_a_rendered_path(tmp_path: Path, at: str) -> None:
    policy = copy_example(BASE, tmp_path / "policy")
    out = tmp_path / "out"
    assert _render(policy, out) == 0
    folder, _ = _elsewhere(tmp_path)
    assert (out / at).is_dir()
    os.rename(out / at, tmp_path / "moved-away")
    (out / at).symlink_to(folder, target_is_directory=True)
    before = _outside(tmp_path, out)
    assert _render(policy, out) == 2  # a foreign entry where cdeops renders: refused, not dropped
    assert (out / at).is_symlink()
    assert _render(policy, out, "--force") == 0
    assert not (out / at).is_symlink() and (out / at).is_dir()
    assert _outside(tmp_path, out) == before
    assert tree_hashes(out) == manifest_hashes(out)


def test_symlinked_files_inside_the_output(tmp_path: Path) -> None:
    policy = copy_example(BASE, tmp_path / "policy")
    out = tmp_path / "out"
    assert _render(policy, out) == 0
    folder, precious = _elsewhere(tmp_path)
    rendered = sorted(p for p in manifest_hashes(out) if p != "manifest.json")
    owned = out / rendered[0]  # a file cdeops wrote, now a symlink pointing outside
    owned.unlink()
    owned.symlink_to(precious)
    (out / "link-to-file").symlink_to(precious)  # foreign symlinks: kept as symlinks
    (out / "link-to-folder").symlink_to(folder, target_is_directory=True)
    (out / "coder" / "dangling").symlink_to(tmp_path / "does-not-exist")
    before = _outside(tmp_path, out)
    assert _render(policy, out) == 0
    assert _outside(tmp_path, out) == before
    assert not (tmp_path / "does-not-exist").exists()
    assert not owned.is_symlink() and owned.is_file()
    for link, target in [("link-to-file", precious), ("link-to-folder", folder)]:
        assert (out / link).is_symlink() and os.readlink(out / link) == str(target)
    assert os.readlink(out / "coder" / "dangling") == str(tmp_path / "does-not-exist")
    hashes = tree_hashes(out)
    assert {p: h for p, h in hashes.items() if not h.startswith("-> ")} == manifest_hashes(out)


def test_special_file_in_the_output_is_refused_not_hung(tmp_path: Path) -> None:
    policy = copy_example(BASE, tmp_path / "policy")
    out = tmp_path / "out"
    assert _render(policy, out) == 0
    os.mkfifo(out / "pipe")  # copying it into the new tree would block or fail half-way
    before = tree_hashes(out)
    assert _render(policy, out) == 2
    assert tree_hashes(out) == before and (out / "pipe").exists()
    assert _temp_siblings(out) == []


@pytest.mark.parametrize("kind", ["fifo", "symlink"])
def test_manifest_that_is_not_a_file(tmp_path: Path, kind: str) -> None:
    policy = copy_example(BASE, tmp_path / "policy")
    out = tmp_path / "out"
    assert _render(policy, out) == 0
    outside = tmp_path / "outside-manifest.json"
    outside.write_bytes((out / "manifest.json").read_bytes())
    (out / "manifest.json").unlink()
    if kind == "fifo":
        os.mkfifo(out / "manifest.json")
    else:
        (out / "manifest.json").symlink_to(outside)
    before = outside.read_bytes()
    assert _render(policy, out) == 2
    assert _render(policy, out, "--force") == 2  # never read through it, never block on it
    assert outside.read_bytes() == before
    (out / "manifest.json").unlink()
    assert _render(policy, out, "--force") == 0
    assert tree_hashes(out) == manifest_hashes(out)
