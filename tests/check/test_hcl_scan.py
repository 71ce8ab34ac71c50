"""The fast canonical-HCL reader agrees with python-hcl2 on everything the promise checks read."""

from __future__ import annotations

from typing import Any

import hcl2
import pytest
from hcl2.utils import SerializationOptions

from cdeops.checks.hcl_scan import HclScanError, scan_hcl
from cdeops.checks.promises import check_coder_template
from tests.support.examples import rendered

_OPTIONS = SerializationOptions(strip_string_quotes=True, with_comments=False)


def _clean(value: Any) -> Any:
    """python-hcl2's output without its block markers; expressions and heredocs reduced to a tag."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if k != "__is_block__"}
    if isinstance(value, list):
        items = [_clean(v) for v in value]
        # the fast reader keeps only lists of literals; a list holding an expression is an expression
        return "<expr>" if any(i == "<expr>" for i in items) else items
    if isinstance(value, str) and (value.startswith("${") or value.startswith("<<")):
        return "<expr>"
    return value


def _shape(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shape(v) for v in value]
    if isinstance(value, str) and value.startswith("${"):
        return "<expr>"
    return value


def test_same_structure_as_python_hcl2(example: str) -> None:
    _, files = rendered(example)
    templates = {p: d.decode() for p, d in files.items() if p.startswith("coder/") and p.endswith(".tf")}
    assert templates
    for path, text in templates.items():
        fast = _shape(scan_hcl(text))
        slow = _clean(hcl2.loads(text, serialization_options=_OPTIONS))
        for kind in ("resource", "data"):
            assert fast[kind] == slow[kind], (path, kind)
        assert fast["locals"][0]["labels"] == slow["locals"][0]["labels"], path


def test_non_canonical_layout_falls_back_to_python_hcl2() -> None:
    text = 'resource "kubernetes_pod_v1" "p" { metadata { labels = {} } }\n'
    with pytest.raises(HclScanError):
        scan_hcl(text + "}\n")
    findings = check_coder_template(text, "main.tf")
    assert any("lacks cost label(s) team" in f.message for f in findings)
