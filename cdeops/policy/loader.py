"""Reads a policy file into a validated ``Policy`` plus the prompt files it names.

Every problem (YAML, schema, cross-field, unreadable prompt) is collected and raised together as
one ``PolicyError`` whose issues read ``file:line: dotted.path: message``.
"""

from __future__ import annotations

import difflib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from ..errors import Issue, PolicyError
from .document import Policy
from .rules import check_policy, policy_warnings, redact_credentials
from .yaml_source import Located, read_yaml

__all__ = ["LoadedPolicy", "load_policy", "load_policy_text"]

MAX_POLICY_BYTES = 16 * 1024 * 1024
MAX_PROMPT_BYTES = 1024 * 1024


@dataclass(frozen=True)
class LoadedPolicy:
    policy: Policy
    file: str
    prompt_files: dict[str, bytes] = field(default_factory=dict)
    located: Located | None = None
    warnings: list[Issue] = field(default_factory=list)


def _dotted(loc: tuple[str | int, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _model_at(loc: tuple[str | int, ...]) -> type[BaseModel] | None:
    """The pydantic model class that the value at ``loc`` is validated with, if any."""
    current: Any = Policy
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        info = current.model_fields.get(part)
        if info is None:
            return None
        current = _unwrap(info.annotation)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _unwrap(annotation: Any) -> Any:
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _unwrap(arg)
        if isinstance(found, type) and issubclass(found, BaseModel):
            return found
    return annotation


def _message(error: Any, loc: tuple[str | int, ...]) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        key = str(loc[-1])
        parent = _model_at(loc[:-1])
        known = sorted(parent.model_fields) if parent else []
        close = difflib.get_close_matches(key, known, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else (f"; allowed: {', '.join(known)}" if known else "")
        return f"unknown key {key!r}{hint}"
    if kind == "missing":
        return "required field is missing"
    message = str(error["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    if kind in {"literal_error", "enum"}:
        return f"{message} (got {error.get('input')!r})"
    return message


def _schema_issues(exc: ValidationError, located: Located, file: str) -> list[Issue]:
    issues: list[Issue] = []
    for error in exc.errors(include_url=False):
        loc = tuple(p for p in error["loc"] if p != "[key]")
        if error["loc"] and error["loc"][-1] == "[key]":
            msg = f"{error['msg']} (key {loc[-1]!r})" if loc else str(error["msg"])
        else:
            msg = _message(error, loc)
        issues.append(Issue(file, located.line_of(loc), _dotted(loc), msg))
    return issues


def _decode(raw: bytes, file: str) -> str:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise PolicyError(Issue(file, line, "", f"the file is not UTF-8 (byte 0x{raw[exc.start]:02x})")) from None
    return text.removeprefix("\ufeff")


def _read_prompts(policy: Policy, located: Located, file: str, base: Path) -> tuple[dict[str, bytes], list[Issue]]:
    contents: dict[str, bytes] = {}
    issues: list[Issue] = []
    entries: list[tuple[tuple[str | int, ...], str]] = [
        (("prompts", i, "source"), p.source) for i, p in enumerate(policy.prompts)
    ]
    for t, team in enumerate(policy.teams):
        entries += [(("teams", t, "prompts", i, "source"), p.source) for i, p in enumerate(team.prompts)]
    root = base.resolve()
    for loc, source in entries:

        def problem(msg: str, loc: tuple[str | int, ...] = loc) -> None:
            issues.append(Issue(file, located.line_of(loc), _dotted(loc), msg))

        if source in contents:
            continue
        if os.path.isabs(source) or source.startswith("~"):
            problem(f"prompt source {source!r} must be relative to the policy file")
            continue
        target = (root / source).resolve()
        if not target.is_relative_to(root):
            problem(f"prompt source {source!r} is outside the policy's folder")
            continue
        try:
            info = target.stat()
            if not stat.S_ISREG(info.st_mode) and not stat.S_ISDIR(info.st_mode):
                # reading a FIFO or a device would block or never end
                problem(f"prompt source {source!r} is not a regular file")
                continue
            if info.st_size > MAX_PROMPT_BYTES:
                problem(f"prompt source {source!r} is larger than 1 MiB")
                continue
            contents[source] = target.read_bytes()
        except IsADirectoryError:
            problem(f"prompt source {source!r} is a folder, not a file")
        except OSError as exc:
            problem(f"cannot read prompt source {source!r}: {exc.strerror or type(exc).__name__}")
    return contents, issues


def load_policy_text(text: str, file: str, base: Path) -> LoadedPolicy:
    """Validate policy text; ``base`` is the folder prompt sources are relative to."""
    try:
        return _load_text(text, file, base)
    except PolicyError as exc:  # messages quote values: never let one carry a key or a token
        raise PolicyError([Issue(i.file, i.line, i.path, redact_credentials(i.message)) for i in exc.issues]) from None


def _load_text(text: str, file: str, base: Path) -> LoadedPolicy:
    located = read_yaml(text, file)
    if not isinstance(located.data, dict):
        kind = type(located.data).__name__
        raise PolicyError(Issue(file, 1, "", f"the top level must be a mapping of sections, not a {kind}"))
    try:
        policy = Policy.model_validate(located.data)
    except ValidationError as exc:
        raise PolicyError(_schema_issues(exc, located, file)) from None
    issues = [Issue(file, located.line_of(loc), _dotted(loc), msg) for loc, msg in check_policy(policy)]
    prompts, prompt_issues = _read_prompts(policy, located, file, base)
    issues += prompt_issues
    if issues:
        raise PolicyError(sorted(set(issues)))
    warnings = [Issue(file, located.line_of(loc), _dotted(loc), msg) for loc, msg in policy_warnings(policy)]
    return LoadedPolicy(policy=policy, file=file, prompt_files=prompts, located=located, warnings=sorted(warnings))


def load_policy(path: str | Path) -> LoadedPolicy:
    """Read, parse and validate the policy file at ``path``."""
    file = str(path)
    source = Path(path)
    try:
        if source.is_dir():
            raise PolicyError(Issue(file, 0, "", "is a folder; give the policy file (cdeops.yaml)"))
        if source.stat().st_size > MAX_POLICY_BYTES:
            raise PolicyError(Issue(file, 0, "", "the policy file is larger than 16 MiB"))
        raw = source.read_bytes()
    except FileNotFoundError:
        raise PolicyError(Issue(file, 0, "", "no such file")) from None
    except OSError as exc:
        raise PolicyError(Issue(file, 0, "", f"cannot read the file: {exc.strerror or exc}")) from None
    return load_policy_text(_decode(raw, file), file, source.parent)
