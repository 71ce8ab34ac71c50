"""Writes a rendered tree atomically, keeps files cdeops did not write, and compares for drift.

The new tree is built in a fresh sibling folder, files the user added to the output folder (those
not listed in the previous ``manifest.json``) are carried over untouched, and the folders are then
exchanged in one ``renameat2(RENAME_EXCHANGE)`` call. A render killed at any moment leaves either
the old tree or the new one in place, never a mix. Renders into the same parent folder are
serialised with ``flock`` on that folder.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import hashlib
import json
import os
import shutil
import time
from collections.abc import Iterator, Mapping
from pathlib import Path, PurePosixPath

from ..errors import OutputError

__all__ = ["MANIFEST", "build_manifest", "compare", "digests", "read_tree", "tree_digests", "write_tree"]

MANIFEST = "manifest.json"
_TMP_PREFIX = ".cdeops-tmp-"
_OLD_PREFIX = ".cdeops-old-"
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def build_manifest(files: Mapping[str, bytes], version: str) -> bytes:
    entries = {path: hashlib.sha256(data).hexdigest() for path, data in sorted(files.items())}
    doc = {"generator": "cdeops", "version": version, "files": entries}
    return (json.dumps(doc, indent=2, sort_keys=True) + "\n").encode()


def _previous_manifest(out: Path) -> set[str] | None:
    path = out / MANIFEST
    if path.is_symlink() or (path.exists() and not path.is_file()):  # never follow it, never block on a FIFO
        raise OutputError(f"{path} is not a regular file; remove it")
    try:
        doc = json.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise OutputError(f"{out}/{MANIFEST} is unreadable ({exc}); fix or remove it, or use --force") from None
    files = doc.get("files") if isinstance(doc, dict) else None
    if not isinstance(files, dict) or doc.get("generator") != "cdeops":
        raise OutputError(f"{out}/{MANIFEST} was not written by cdeops; use --force to render here anyway")
    return {str(p) for p in files} | {MANIFEST}


def _walk(root: Path) -> Iterator[str]:
    """Relative paths of every non-directory entry under ``root`` (symlinks are not followed)."""
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        base = Path(dirpath)
        for name in filenames + [d for d in dirnames if (base / d).is_symlink()]:
            yield (base / name).relative_to(root).as_posix()


@contextlib.contextmanager
def _locked(parent: Path, timeout: float = 120.0) -> Iterator[None]:
    fd = os.open(parent, os.O_RDONLY)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise OutputError(f"another cdeops render holds the lock on {parent}") from None
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)


def _exchange(a: Path, b: Path) -> bool:
    libc = ctypes.CDLL(None, use_errno=True)
    fn = getattr(libc, "renameat2", None)
    if fn is None:
        return False
    rc = fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if rc == 0:
        return True
    if ctypes.get_errno() in (errno.ENOSYS, errno.EINVAL):
        return False
    raise OutputError(f"cannot replace {b}: {os.strerror(ctypes.get_errno())}")


def _safe_relative(path: str) -> PurePosixPath:
    rel = PurePosixPath(path)
    if rel.is_absolute() or ".." in rel.parts or not rel.parts:
        raise OutputError(f"refusing to write {path!r}: not a relative path inside the output folder")
    return rel


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _syncfs(folder: Path) -> bool:
    """Flush every written file of the filesystem holding ``folder`` in one call (Linux ``syncfs``)."""
    fn = getattr(ctypes.CDLL(None, use_errno=True), "syncfs", None)
    if fn is None:
        return False
    fd = os.open(folder, os.O_RDONLY)
    try:
        return int(fn(fd)) == 0
    finally:
        os.close(fd)


def _flush(tmp: Path) -> None:
    """Make the new tree durable: one ``syncfs`` (far cheaper than thousands of fsyncs), else fsync each."""
    if _syncfs(tmp):
        return
    for dirpath, _, filenames in os.walk(tmp):
        for name in filenames:
            fd = os.open(os.path.join(dirpath, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        _fsync_dir(Path(dirpath))


def _fill(tmp: Path, files: Mapping[str, bytes], out: Path, foreign: list[str]) -> None:
    made: set[Path] = {tmp}
    for path, data in sorted(files.items()):
        target = tmp.joinpath(*_safe_relative(path).parts)
        if target.parent not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        with open(target, "xb") as fh:
            fh.write(data)
    for path in foreign:
        source, target = out / path, tmp / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():
            os.symlink(os.readlink(source), target)
        else:
            shutil.copy2(source, target, follow_symlinks=False)


def _clean_stale(parent: Path, name: str) -> None:
    for prefix in (_TMP_PREFIX, _OLD_PREFIX):
        for stale in parent.glob(f"{prefix}{name}-*"):
            shutil.rmtree(stale, ignore_errors=True)


def write_tree(files: Mapping[str, bytes], out: Path, *, force: bool = False) -> list[str]:
    """Replace ``out`` with ``files`` (which include the manifest). Returns the foreign files kept."""
    out = Path(os.path.abspath(out))
    if out.is_symlink():
        raise OutputError(f"{out} is a symlink; give the real folder")
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out} exists and is not a folder")
    parent = out.parent
    parent.mkdir(parents=True, exist_ok=True)
    with _locked(parent):
        _clean_stale(parent, out.name)
        foreign: list[str] = []
        if out.is_dir():
            existing = sorted(_walk(out))
            try:
                previous = _previous_manifest(out)
            except OutputError:
                if not force:
                    raise
                previous = None
            if previous is None and existing and not force:
                raise OutputError(f"{out} is not empty and holds no cdeops output; use --force to render into it")
            foreign = [p for p in existing if previous is None or p not in previous]
            # a foreign entry where the render now writes a file or a folder (e.g. a symlink at
            # out/kubernetes) would be dropped silently: it is a clash too
            clashes = [p for p in foreign if p in files or _shadowed(p, files)]
            if clashes and not force:
                raise OutputError(
                    f"{out} holds files cdeops did not write at paths it renders: {', '.join(clashes[:5])}",
                    hint="move them away, or use --force to replace them",
                )
            foreign = [p for p in foreign if p not in files and not _shadowed(p, files)]
            special = [p for p in foreign if not (out / p).is_symlink() and not (out / p).is_file()]
            if special:  # a FIFO, socket or device cannot be copied into the new tree
                raise OutputError(
                    f"{out} holds entries that are neither files nor symlinks: {', '.join(special[:5])}",
                    hint="move them out of the output folder",
                )
        tmp = parent / f"{_TMP_PREFIX}{out.name}-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        try:
            _fill(tmp, files, out, foreign)
            _flush(tmp)
            if not out.exists():
                os.rename(tmp, out)
            elif _exchange(tmp, out):
                shutil.rmtree(tmp)
            else:  # no renameat2: two renames, the old tree stays until the new one is in place
                old = parent / f"{_OLD_PREFIX}{out.name}-{os.getpid()}"
                os.rename(out, old)
                os.rename(tmp, out)
                shutil.rmtree(old)
            _fsync_dir(parent)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return foreign


def _shadowed(path: str, files: Mapping[str, bytes]) -> bool:
    # a foreign file inside a folder the render now writes as a file (or the reverse) cannot be kept
    parts = PurePosixPath(path).parts
    prefixes = {"/".join(parts[:i]) for i in range(1, len(parts))}
    return any(p in files for p in prefixes) or any(f.startswith(path + "/") for f in files)


def read_tree(out: Path) -> dict[str, bytes]:
    """The files of a previous render (those its manifest lists), for drift checks and diffs."""
    previous = _previous_manifest(out) if out.is_dir() else None
    result: dict[str, bytes] = {}
    for path in sorted(previous or ()):
        target = out.joinpath(*_safe_relative(path).parts)
        if target.is_file() and not target.is_symlink():
            result[path] = target.read_bytes()
    return result


def tree_digests(out: Path) -> dict[str, bytes]:
    """The sha256 of each file ``read_tree`` would return, read one file at a time (for large trees)."""
    previous = _previous_manifest(out) if out.is_dir() else None
    result: dict[str, bytes] = {}
    for path in sorted(previous or ()):
        target = out.joinpath(*_safe_relative(path).parts)
        if target.is_file() and not target.is_symlink():
            result[path] = hashlib.sha256(target.read_bytes()).digest()
    return result


def digests(files: Mapping[str, bytes]) -> dict[str, bytes]:
    """The sha256 of each file, to ``compare`` with ``tree_digests`` without holding two trees."""
    return {path: hashlib.sha256(data).digest() for path, data in files.items()}


def compare(new: Mapping[str, bytes], old: Mapping[str, bytes]) -> list[str]:
    """Paths that differ: ``+ path`` added, ``- path`` removed, ``~ path`` changed."""
    changes = [f"+ {p}" for p in sorted(new.keys() - old.keys())]
    changes += [f"- {p}" for p in sorted(old.keys() - new.keys())]
    changes += [f"~ {p}" for p in sorted(new.keys() & old.keys()) if new[p] != old[p]]
    return sorted(changes, key=lambda c: c[2:])
