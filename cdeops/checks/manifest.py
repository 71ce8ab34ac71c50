"""``manifest.json`` integrity: every listed file exists with its sha256.

Files the manifest does not list are warnings (a user may keep notes next to the output), never
errors. Hidden folders (``.terraform``, ``.git``) and Terraform's working files (plan files, state,
lock files written by ``cdeops plan``) are not reported.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path, PurePosixPath

from cdeops.checks.findings import Finding

__all__ = ["CHECK_NAME", "MANIFEST", "check_manifest"]

CHECK_NAME = "manifest"
MANIFEST = "manifest.json"
# what `cdeops plan` / terraform leave in a stack folder
_WORKING_FILES = (
    ".terraform.lock.hcl",
    "cdeops.tfplan",
    "cdeops.tfplan.sha256",
    "terraform.tfstate",
    "terraform.tfstate.backup",
)


def _listed(root: Path) -> tuple[dict[str, str] | None, list[Finding]]:
    path = root / MANIFEST
    try:
        doc = json.loads(path.read_bytes())
    except FileNotFoundError:
        return None, [Finding(CHECK_NAME, MANIFEST, 0, "missing: this folder holds no cdeops output")]
    except (OSError, ValueError) as exc:
        return None, [Finding(CHECK_NAME, MANIFEST, 0, f"unreadable: {exc}")]
    files = doc.get("files") if isinstance(doc, dict) else None
    if not isinstance(files, dict) or not all(isinstance(v, str) for v in files.values()):
        return None, [Finding(CHECK_NAME, MANIFEST, 0, 'not a cdeops manifest (no "files" map of sha256)')]
    if doc.get("generator") != "cdeops":
        return None, [Finding(CHECK_NAME, MANIFEST, 0, "not written by cdeops (generator is not cdeops)")]
    return {str(k): v for k, v in files.items()}, []


def _present(root: Path) -> set[str]:
    found: set[str] = set()
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        base = Path(dirpath)
        for name in filenames:
            found.add((base / name).relative_to(root).as_posix())
    return found


def _safe(path: str) -> bool:
    pure = PurePosixPath(path)
    return bool(pure.parts) and not pure.is_absolute() and ".." not in pure.parts


def check_manifest(root: Path) -> list[Finding]:
    """Missing files and hash mismatches are errors; unlisted files are warnings."""
    listed, findings = _listed(root)
    if listed is None:
        return findings
    present = _present(root)
    for path, digest in sorted(listed.items()):
        if not _safe(path):
            findings.append(Finding(CHECK_NAME, MANIFEST, 0, f"lists a path outside the folder: {path!r}"))
            continue
        target = root / path
        if path not in present or not target.is_file() or target.is_symlink():
            findings.append(Finding(CHECK_NAME, path, 0, "listed in manifest.json but missing"))
            continue
        actual = hashlib.sha256(target.read_bytes()).hexdigest()
        if actual != digest:
            message = f"sha256 differs from manifest.json ({actual[:12]}… != {digest[:12]}…): edited after render?"
            findings.append(Finding(CHECK_NAME, path, 0, message))
    for path in sorted(present - set(listed) - {MANIFEST}):
        if PurePosixPath(path).name in _WORKING_FILES:
            continue
        findings.append(Finding(CHECK_NAME, path, 0, "not listed in manifest.json (not written by cdeops)", "warning"))
    return findings
