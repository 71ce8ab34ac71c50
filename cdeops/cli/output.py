"""Printing for the CLI: text to stdout, problems to stderr, JSON when asked."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from typing import Any

__all__ = ["OutputFormat", "emit_json", "err", "out"]


class OutputFormat(StrEnum):
    text = "text"
    json = "json"


def out(text: str) -> None:
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


def err(text: str) -> None:
    sys.stderr.write(text if text.endswith("\n") else text + "\n")


def emit_json(doc: Any) -> None:
    sys.stdout.write(json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
