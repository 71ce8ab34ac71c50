"""`cdeops check` through the real entry point: exit codes, grouped report, JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def cdeops(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cdeops", *args], capture_output=True, text=True, timeout=300, check=False
    )


def test_clean_tree_exits_0(eks_tree: Path) -> None:
    proc = cdeops("check", str(eks_tree))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 error(s)" in proc.stdout


def test_findings_exit_1_grouped_one_line_each(eks_tree: Path) -> None:
    main = sorted((eks_tree / "coder").glob("*/main.tf"))[0]
    main.write_text(main.read_text().replace("  os                      =", "  os =", 1))
    proc = cdeops("check", str(eks_tree))
    assert proc.returncode == 1
    name = main.relative_to(eks_tree).as_posix()
    assert "== terraform-fmt (1)" in proc.stdout
    assert f"{name}:" in proc.stdout and "[terraform-fmt]" in proc.stdout
    assert "== manifest (1)" in proc.stdout
    assert "+  os                      =" in proc.stdout  # the fmt diff
    assert "error: " in proc.stderr


def test_json_output(eks_tree: Path) -> None:
    (eks_tree / "NOTES.md").write_text("x\n")
    proc = cdeops("check", str(eks_tree), "--output", "json", "--no-fmt")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["ok"] is True and doc["errors"] == 0 and doc["warnings"] >= 1
    assert {"check", "file", "line", "message", "severity"} <= set(doc["findings"][0])


def test_not_a_folder(tmp_path: Path) -> None:
    proc = cdeops("check", str(tmp_path / "missing"))
    assert proc.returncode == 1 and "is not a folder" in proc.stderr


def test_scan_without_checkov_is_a_clear_error(eks_tree: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; sys.modules['checkov'] = None; from cdeops.cli.app import main; main()",
            "check",
            str(eks_tree),
            "--scan",
            "--no-fmt",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={"PATH": "", "HOME": str(eks_tree)},
    )
    assert proc.returncode == 1
    assert "checkov is not installed" in proc.stderr and "cdeops[scan]" in proc.stderr
