"""The one Jinja environment cdeops renders with: strict, no autoescape, HCL filters only."""

from __future__ import annotations

from functools import lru_cache

import jinja2

from ..resources import templates_dir
from .hcl import hcl_heredoc, hcl_key, hcl_string, hcl_value

__all__ = ["environment", "render_template"]


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters.update({"hcl": hcl_value, "hcl_string": hcl_string, "hcl_key": hcl_key, "heredoc": hcl_heredoc})
    return env


def render_template(name: str, **context: object) -> str:
    return environment().get_template(name).render(**context)
