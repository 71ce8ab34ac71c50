"""Check that the fast YAML dumper (libyaml) renders byte-identical trees to PyYAML's pure-Python one.

    .venv/bin/python benchmarks/verify_identical.py [POLICY ...]

Renders each policy (default: every ``examples/*/cdeops.yaml``, every golden test policy and a generated
benchmark policy) twice in memory, once as shipped and once with the dumper swapped for a pure-Python
one with the same settings, and compares every file. Also dumps a set of awkward scalars both ways.
Exits 1 on any difference.
"""

from __future__ import annotations

import random
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate_policy import Sizes, generate

REPO = Path(__file__).resolve().parents[1]

AWKWARD: list[Any] = [
    {"yes": "yes", "on": "off", "null": None, "empty": "", "tilde": "~", "octal": "0123", "float": "1e3"},
    {"colon": "a: b", "hash": "a #b", "lead": " x", "trail": "x ", "tab": "a\tb", "quote": "'\"", "star": "*x"},
    {"unicode": "café – ünïcödé ✓", "emoji": "🙂", "long": "word " * 60, "dash": "- item", "q": "?", "pct": "%x"},
    {"multi": "line one\nline two\n", "multi_no_nl": "a\nb", "indented": "  lead\nx\n", "crlf": "a\r\nb\n"},
    {"nested": [{"a": [1, 2.5, True, None]}, [], {}], "big": 10**20, "neg": -1, "f": 0.1, "inf": float("inf")},
    ["---", "...", "- ", "key:", "@at", "`tick", "!bang", "&amp", "|pipe", ">gt", "{", "}", "[", "]", ","],
]


def _render(policy: Path) -> dict[str, bytes]:
    from cdeops import __version__
    from cdeops.policy.loader import load_policy
    from cdeops.render.pipeline import render_files

    return render_files(load_policy(policy), __version__)


def _compare(name: str, fast: dict[str, bytes], slow: dict[str, bytes]) -> int:
    bad = sorted(p for p in fast.keys() | slow.keys() if fast.get(p) != slow.get(p))
    for path in bad[:10]:
        print(f"DIFFERENT {name}: {path}")
    print(f"{'ok' if not bad else 'FAIL'}: {name} ({len(fast)} files, {len(bad)} different)")
    return len(bad)


def _fuzz(documents: Any, count: int) -> int:
    """Random mappings of awkward strings, dumped both ways; returns the number of differences."""
    rnd = random.Random(8)
    ascii_only = list("abcXYZ019 -_:#'\"\\\n{}[],&*!|>%@`?~.=/")
    mixed = [*ascii_only, "\t", "\r", "é", "–", "\x85", "\u2028", "\ufeff", "\U0001f642"]
    bad = 0
    for _ in range(count):
        alphabet = ascii_only if rnd.random() < 0.8 else mixed
        text = "".join(rnd.choice(alphabet) for _ in range(rnd.choice([0, 3, 12, 80, 2100])))
        text = rnd.choice(["", "yes", "null", "1.5", "- ", "? ", "---", "~"]) + text
        doc = {text: [text, {"k": text + rnd.choice(["", "\n"])}]} if rnd.random() < 0.5 else {"a": [text]}
        fast, slow = _both_ways(documents, doc)
        bad += fast != slow
    return bad


def _both_ways(documents: Any, doc: Any) -> tuple[str, str]:
    fast = documents.dump_yaml(doc)
    shipped = documents._FastDumper
    documents._FastDumper = documents._Dumper  # the pure-Python dumper, as before libyaml was used
    try:
        return fast, documents.dump_yaml(doc)
    finally:
        documents._FastDumper = shipped


def main(argv: list[str]) -> int:
    from cdeops.render import documents

    policies = [Path(p) for p in argv]
    tmp = tempfile.TemporaryDirectory()
    if not policies:
        policies = sorted(REPO.glob("examples/*/cdeops.yaml")) + sorted(REPO.glob("tests/golden/*/policy.yaml"))
        policies.append(generate(Path(tmp.name), Sizes(teams=60)))
    shipped = documents._FastDumper
    failures = 0
    with tmp:
        for policy in policies:
            fast = _render(policy)
            documents._FastDumper = documents._Dumper
            try:
                slow = _render(policy)
            finally:
                documents._FastDumper = shipped
            failures += _compare(str(policy.relative_to(REPO) if policy.is_relative_to(REPO) else policy), fast, slow)
    for doc in AWKWARD:
        fast_text, slow_text = _both_ways(documents, doc)
        if fast_text != slow_text:
            failures += 1
            print(f"DIFFERENT awkward scalars:\n--- fast\n{fast_text}--- pure Python\n{slow_text}")
    fuzz = _fuzz(documents, 5_000)
    print(f"{'ok' if not fuzz else 'FAIL'}: 5000 random awkward documents ({fuzz} different)")
    print(f"fast dumper: {shipped.__mro__[1].__module__}.{shipped.__mro__[1].__name__}")
    return 1 if failures or fuzz else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
