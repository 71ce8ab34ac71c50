"""Locates the data shipped with cdeops: Jinja templates, Terraform modules, the Helm chart, schemas.

In a wheel, ``templates/``, ``terraform/`` and ``helm/`` are mapped into the package; in a source
checkout (editable install) they sit next to the package folder.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["data_dir", "helm_chart_dir", "templates_dir", "terraform_dir"]

_PACKAGE = Path(__file__).resolve().parent


def _shipped(name: str) -> Path:
    for candidate in (_PACKAGE / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"cdeops installation is incomplete: no {name}/ folder")


def templates_dir() -> Path:
    return _shipped("templates")


def terraform_dir() -> Path:
    return _shipped("terraform")


def helm_chart_dir() -> Path:
    return _shipped("helm") / "cdeops-llm-stack"


def data_dir() -> Path:
    return _PACKAGE / "data"
