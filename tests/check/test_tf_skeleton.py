"""Grouping modules by skeleton never changes the schema findings, it only saves parsing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from cdeops.checks.runner import _check_module, _terraform_schema, terraform_files
from cdeops.checks.tf_skeleton import group_modules, skeleton


def full_check(root: Path) -> list[object]:
    modules = sorted({Path(name).parent.as_posix() for name in terraform_files(root)})
    return [f for m in modules for f in _check_module(str(root), m)]


def test_grouped_equals_full_on_every_example(example: str, render_example: Callable[[str], Path]) -> None:
    root = render_example(example)
    assert _terraform_schema(root, terraform_files(root), 1) == full_check(root)


def test_team_copies_of_a_template_share_a_skeleton(eks_tree: Path) -> None:
    modules: dict[str, dict[str, str]] = {}
    for name, text in terraform_files(eks_tree).items():
        modules.setdefault(Path(name).parent.as_posix(), {})[Path(name).name] = text
    groups = group_modules(modules)
    coder = [g for g in groups if g[0].startswith("coder/")]
    assert len(coder) < len([m for m in modules if m.startswith("coder/")])


def test_a_wrong_string_kind_in_one_copy_is_still_found(eks_tree: Path) -> None:
    mains = sorted((eks_tree / "coder").glob("*python/main.tf"))
    assert len(mains) >= 2
    text = mains[-1].read_text()
    assert "  mutable      = true\n" in text
    mains[-1].write_text(text.replace("  mutable      = true\n", '  mutable      = "sometimes"\n', 1))
    assert _terraform_schema(eks_tree, terraform_files(eks_tree), 1) == full_check(eks_tree)
    found = [f for f in full_check(eks_tree) if getattr(f, "file", "") == mains[-1].relative_to(eks_tree).as_posix()]
    assert found and "bool required" in str(found[0])


def test_a_finding_shared_by_a_whole_group_is_reported_for_every_member(eks_tree: Path) -> None:
    mains = sorted((eks_tree / "coder").glob("*python/main.tf"))
    for main in mains:
        main.write_text(
            main.read_text().replace('  os                      = "linux"', '  oss                     = "linux"')
        )
    findings = _terraform_schema(eks_tree, terraform_files(eks_tree), 1)
    flagged = {f.file for f in findings if 'unknown attribute "oss"' in f.message}
    assert flagged == {m.relative_to(eks_tree).as_posix() for m in mains}


def test_what_the_skeleton_keeps_and_masks() -> None:
    text = (
        '# header for team a\nterraform {\n  required_providers {\n    x = { source = "a/b" }\n  }\n}\n\n'
        'resource "t_type" "name" {\n  label = "team-a"\n  count = "3"\n  flag = "true"\n'
        '  map = {\n    "key" = "value"\n  }\n  script = <<-EOT\n    echo "hi"\n  EOT\n}\n'
    )
    shape = skeleton(text)
    assert shape is not None
    assert '"a/b"' in shape and 'resource "t_type" "name" {' in shape
    assert 'label = "x"' in shape and 'count = "3"' in shape and 'flag = "true"' in shape
    assert '"key" = "x"' in shape and 'script = "x"' in shape and "team a" not in shape


def test_quotes_inside_an_interpolation_are_not_guessed() -> None:
    assert skeleton('a = "${join(",", ["b"])}"\n') is None


def test_a_broken_block_among_many_of_the_same_shape_is_found_with_its_line(eks_tree: Path) -> None:
    main = eks_tree / "terraform" / "coder-templates" / "main.tf"
    text = main.read_text()
    assert text.count('resource "coderd_template"') >= 3
    lines = text.splitlines(keepends=True)
    last = max(i for i, line in enumerate(lines) if "require_active_version = true" in line)
    lines[last] = lines[last].replace("require_active_version", "require_activ_version ")
    main.write_text("".join(lines))
    findings = [f for f in _terraform_schema(eks_tree, terraform_files(eks_tree), 1) if f.file.endswith(main.name)]
    assert [f.line for f in findings if "require_activ_version" in f.message] == [last + 1]
    assert findings == [f for f in full_check(eks_tree) if f.file.endswith(main.name)]


def test_reduce_module_keeps_one_block_per_shape() -> None:
    from cdeops.checks.tf_skeleton import reduce_module

    block = 'resource "t_x" "%s" {\n  name = "%s"\n}\n\n'
    text = "terraform {\n}\n\n" + "".join(block % (n, n) for n in ("a", "b", "c"))
    reduced = reduce_module({"main.tf": text})
    assert reduced is not None and reduced["main.tf"].count('resource "t_x"') == 1
    assert reduce_module({"main.tf": 'resource "t_x" "a" {\n  name = "a"\n}\n'}) is None


def test_fmt_grouping_finds_a_misaligned_copy(eks_tree: Path) -> None:
    from cdeops.checks.runner import _fmt_findings

    mains = sorted((eks_tree / "coder").glob("*python/main.tf"))
    text = mains[-1].read_text()
    assert '  description = "' in text or "  description  = " in text
    mains[-1].write_text(text.replace("  display_name = ", "  display_name =  ", 1))
    findings, diffs = _fmt_findings(terraform_files(eks_tree), 1)
    assert [f.file for f in findings] == [mains[-1].relative_to(eks_tree).as_posix()]
    assert list(diffs) == [mains[-1].relative_to(eks_tree).as_posix()]


def test_fmt_skeleton_keeps_keys_layout_and_templates() -> None:
    from cdeops.checks.tf_skeleton import fmt_skeleton

    text = 'locals {\n  m = {\n    "long-key" = "a"\n    "k"        = "${var.x}"\n  }\n  # note\n}\n'
    shape = fmt_skeleton(text)
    assert shape is not None
    assert '"long-key" = "x"' in shape and '"k"        = "${var.x}"' in shape and "  #\n" in shape
    assert fmt_skeleton('a = "b" # trailing\n') is None
    assert fmt_skeleton("/* block */\na = 1\n") is None
