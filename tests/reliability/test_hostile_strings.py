"""Hostile strings in every free-text field: render succeeds (or fails cleanly), output stays exact.

A policy built from ``examples/minimal`` (plus providers, egress and Vault settings that carry free
text) gets generated values in each free-text field. For every example:

- loading either succeeds or raises ``PolicyError`` naming only fields that were given generated text;
- rendering a loaded policy never fails;
- every rendered ``.tf`` parses (python-hcl2), every ``.yaml`` and ``.json`` parses;
- every value a field leaves in the output comes back exactly — raw, as a label value or as a
  normalised name, whichever forms a marker run showed the field is emitted in;
- the team's Kubernetes objects load back equal to what the view builder produced;
- every label value (rendered YAML, HCL ``labels`` maps, and the project choices that become the
  ``project`` label) is a valid Kubernetes label value.

Prompt files are checked by running the rendered startup script with ``sh`` in a scratch home folder:
every rules file must land at its path with exactly its bytes, and nothing else may be written.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from cdeops import __version__
from cdeops.errors import PolicyError
from cdeops.policy.fields import label_value, normalise_name
from cdeops.policy.loader import load_policy_text
from cdeops.policy.org import AI_TOOLS
from cdeops.policy.rules import TOOL_FILES
from cdeops.render.documents import dump_yaml
from cdeops.render.pipeline import render_files
from cdeops.views.ai_tools import wire_tools
from cdeops.views.naming import coder_template_name, team_slug
from cdeops.views.team_namespace import team_objects
from tests.support.examples import example_path
from tests.support.hcl import load_tf, resources

LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
SETTINGS = settings(
    max_examples=int(os.environ.get("CDEOPS_HOSTILE_EXAMPLES", "40")),
    deadline=None,
    database=None,  # tests never write inside the repository
    report_multiple_bugs=False,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: one example costs a render and a parse
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
GENERATED: dict[str, int] = {"fields": 0, "prompts": 0, "rendered": 0, "refused": 0}

# --- the fields ------------------------------------------------------------------------------------

Doc = dict[str, Any]
Setter = Callable[[Doc, str], None]


def _set(*path: str | int) -> Setter:
    def apply(doc: Doc, value: str) -> None:
        node: Any = doc
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return apply


def _rename_team(doc: Doc, value: str) -> None:
    doc["teams"][0]["name"] = value


def _rename_template(doc: Doc, value: str) -> None:
    old = doc["templates"][0]["name"]
    doc["templates"][0]["name"] = value
    doc["teams"][0]["templates"] = [value if t == old else t for t in doc["teams"][0]["templates"]]


def _set_project(doc: Doc, value: str) -> None:
    doc["teams"][0]["projects"] = [value]


# field id → (setter, kind): "text" is free text, "name" a Name-typed field, "path" text with a
# documented character set (it may be refused, but only cleanly)
FIELDS: dict[str, tuple[Setter, str]] = {
    "teams[0].cost_center": (_set("teams", 0, "cost_center"), "text"),
    "teams[0].display_name": (_set("teams", 0, "display_name"), "text"),
    "teams[0].coder_group": (_set("teams", 0, "coder_group"), "text"),
    "teams[0].name": (_rename_team, "name"),
    "teams[0].projects[0]": (_set_project, "name"),
    "templates[0].name": (_rename_template, "name"),
    "templates[0].description": (_set("templates", 0, "description"), "text"),
    "cluster.region": (_set("cluster", "region"), "text"),
    "coder.organization_id": (_set("coder", "organization_id"), "text"),
    "vault.namespace": (_set("vault", "namespace"), "path"),
    "vault.audience": (_set("vault", "audience"), "text"),
    "providers[1].api_version": (_set("providers", 1, "api_version"), "text"),
    "providers[2].region": (_set("providers", 2, "region"), "text"),
    "providers[3].region": (_set("providers", 3, "region"), "text"),
    "providers[3].project": (_set("providers", 3, "project"), "text"),
    "egress.allow[0].name": (_set("egress", "allow", 0, "name"), "name"),
}
_LIMITS = {"templates[0].description": 500}


def base_doc() -> Doc:
    """examples/minimal, plus every provider kind with free text, an egress rule and Vault settings."""
    doc: Doc = yaml.safe_load(example_path("minimal").read_text())
    doc["providers"] += [
        {
            "name": "azure",
            "kind": "azure-openai",
            "api_key": {"vault": "llm/providers/azure"},
            "api_base": "https://acme.openai.azure.example",
            "api_version": "2024-10-21",
        },
        {"name": "bedrock", "kind": "bedrock", "region": "us-east-1"},
        {"name": "vertex", "kind": "vertex", "region": "europe-west4", "project": "acme-ai"},
    ]
    doc["models"] += [
        {"name": "azure-gpt", "provider": "azure", "model": "gpt-4o-2024-08-06", "tier": "standard"},
        {
            "name": "bedrock-claude",
            "provider": "bedrock",
            "model": "anthropic.claude-3-5-sonnet-20240620-v1:0",
            "tier": "standard",
        },
        {"name": "vertex-gemini", "provider": "vertex", "model": "gemini-1.5-pro-002", "tier": "standard"},
    ]
    doc["egress"] = {"allow": [{"name": "mirror", "cidrs": ["10.40.0.0/16"], "ports": [443]}]}
    doc["vault"].update(namespace="admin/acme", audience="vault")
    doc["coder"]["organization_id"] = "acme"
    doc["teams"][0].update(display_name="Platform", coder_group="platform")
    doc["templates"][0]["description"] = "Python workspace"
    doc["teams"][0]["models"] = [*doc["teams"][0]["models"], "azure-gpt", "bedrock-claude", "vertex-gemini"]
    return doc


# --- reading the output back ----------------------------------------------------------------------


def _parse(files: dict[str, bytes]) -> dict[str, Any]:
    parsed: dict[str, Any] = {}
    for path, data in files.items():
        text = data.decode("utf-8")
        if path.endswith(".tf"):
            parsed[path] = load_tf(text)
        elif path.endswith((".yaml", ".yml")):
            parsed[path] = list(yaml.safe_load_all(text))
        elif path.endswith(".json"):
            parsed[path] = json.loads(text)
    return parsed


def _leaves(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield str(key)
            yield from _leaves(value)
    elif isinstance(node, list):
        for item in node:
            yield from _leaves(item)
    elif isinstance(node, str):
        yield node


def _label_maps(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in {"labels", "matchLabels", "nodeSelector", "node_selector", "match_labels"} and isinstance(
                value, dict
            ):
                yield value
            yield from _label_maps(value)
    elif isinstance(node, list):
        for item in node:
            yield from _label_maps(item)


def _forms(value: str) -> dict[str, str]:
    return {"raw": value, "label": label_value(value), "name": normalise_name(value)}


def _load(doc: Doc, folder: Path) -> Any:
    text = dump_yaml(doc, header=False)  # cdeops' own dumper: it must round-trip any text
    return load_policy_text(text, str(folder / "cdeops.yaml"), folder)


def _write_prompts(folder: Path, files: dict[str, bytes]) -> None:
    for source, data in files.items():
        target = folder / source
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def _example_prompts() -> dict[str, bytes]:
    root = example_path("minimal").parent
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in (root / "prompts").iterdir()}


def _marker(field: str) -> str:
    """A value whose raw, label and name forms differ (restricted fields get one they accept)."""
    i = list(FIELDS).index(field)
    return f"ZqMark_{i}/x" if FIELDS[field][1] == "path" else f"Zq Mark/{i}x"


@cache
def emitted_forms() -> dict[str, frozenset[str]]:
    """For each field, the forms (raw / label / name) in which a marker value shows up in the output."""
    doc = base_doc()
    for field, (setter, _) in FIELDS.items():
        setter(doc, _marker(field))
    with tempfile.TemporaryDirectory() as tmp:
        _write_prompts(Path(tmp), _example_prompts())
        loaded = _load(doc, Path(tmp))
    leaves = [leaf for parsed in _parse(render_files(loaded, __version__)).values() for leaf in _leaves(parsed)]
    found: dict[str, frozenset[str]] = {}
    for field in FIELDS:
        forms = _forms(_marker(field))
        assert len(set(forms.values())) == 3
        found[field] = frozenset(kind for kind, form in forms.items() if any(form in leaf for leaf in leaves))
    return found


def test_markers_show_where_fields_go() -> None:
    """The marker run itself: the identity fields must reach the output."""
    forms = emitted_forms()
    assert forms["teams[0].cost_center"], "cost_center never reaches the output"
    assert "name" in forms["teams[0].name"] and "name" in forms["templates[0].name"]
    assert forms["teams[0].projects[0]"]


# --- strategies ------------------------------------------------------------------------------------

HOSTILE = [
    "${var.secret}",
    "%{ if true }x%{ endif }",
    "$${escaped}",
    '"; rm -rf / #',
    "'",
    '"',
    "\\",
    "\\n",
    "\n",
    "\r\n",
    "\t",
    "{{ .Data.data.api_key }}",
    "`id`",
    "$(id)",
    "a\u2028b",
    "\u0085",
    "\ufeff",
    "\x00",
    "\x7f",
    "null",
    "true",
    "~",
    "- item",
    "*alias",
    "&anchor",
    "!!python/object:os.system",
    "EOT",
    "<<EOT\n",
    "\nEOT\n",
    "0x1F",
    "1e3",
    "#",
    ": ",
    "---",
    "...",
    "é",
    "日本語",
    "🙂",
    "\u202eevil",
    "a" * 70,
]
_free = st.lists(st.one_of(st.sampled_from(HOSTILE), st.text(max_size=12)), min_size=1, max_size=5).map("".join)
_letters = st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_name = st.builds(
    lambda a, b: a + b,
    _letters,
    st.lists(st.one_of(st.sampled_from(HOSTILE), st.text(max_size=6)), max_size=3).map("".join),
)


@st.composite
def _field_values(draw: st.DrawFn) -> dict[str, str]:
    chosen = draw(st.lists(st.sampled_from(list(FIELDS)), min_size=1, max_size=len(FIELDS), unique=True))
    values: dict[str, str] = {}
    for field in chosen:
        kind = FIELDS[field][1]
        value = draw(_name if kind == "name" else _free)
        values[field] = value[: _LIMITS.get(field, 120)] or "x"
    return values


def _check_outputs(loaded: Any, files: dict[str, bytes], values: dict[str, str]) -> None:
    parsed = _parse(files)
    policy = loaded.policy
    # the team's objects load back equal to what the view builder made
    team = policy.teams[0]
    assert parsed[f"kubernetes/teams/{team_slug(team)}.yaml"] == team_objects(policy, team)
    # label values
    for path, doc in parsed.items():
        for labels in _label_maps(doc):
            for key, value in labels.items():
                if isinstance(value, str) and "${" in value:
                    continue  # a Terraform expression (workspace id, owner, chosen project)
                assert isinstance(value, str), f"{path}: label {key} = {value!r} is not a string"
                assert len(value) <= 63 and LABEL_VALUE.match(value), f"{path}: label {key} = {value!r}"
    coder = load_tf(files[f"coder/{coder_template_name(team, policy.template(team.templates[0]))}/main.tf"].decode())
    project = resources(coder, "data:coder_parameter")["project"]
    for option in project["option"]:
        value = option["value"]
        assert len(value) <= 63 and LABEL_VALUE.match(value), f"project choice {value!r} becomes the project label"
    # every form of every field that the marker run saw in the output is there exactly
    leaves = [leaf for doc in parsed.values() for leaf in _leaves(doc)]
    forms = emitted_forms()
    for field, value in values.items():
        for kind in forms[field]:
            form = _forms(value)[kind]
            assert any(form in leaf for leaf in leaves), f"{field}={value!r}: its {kind} form {form!r} was lost"


@SETTINGS
@given(values=_field_values())
def test_hostile_free_text_fields(values: dict[str, str]) -> None:
    GENERATED["fields"] += 1
    doc = base_doc()
    for field, value in values.items():
        FIELDS[field][0](doc, value)
    with tempfile.TemporaryDirectory() as tmp:
        _write_prompts(Path(tmp), _example_prompts())
        try:
            loaded = _load(doc, Path(tmp))
        except PolicyError as exc:
            GENERATED["refused"] += 1
            for issue in exc.issues:
                assert issue.line >= 1 and "\n" not in issue.message
                assert any(issue.path == f or issue.path.startswith(f + ".") for f in values) or (
                    issue.path.startswith(("teams[0]", "templates[0]"))
                    and {"teams[0].name", "templates[0].name"} & set(values)
                ), f"{issue} blames a field that was not changed ({sorted(values)})"
            return
        for field, value in values.items():
            if FIELDS[field][1] == "text":
                node: Any = loaded.policy
                for part in re.findall(r"[a-z_]+|\d+", field):
                    node = node[int(part)] if part.isdigit() else getattr(node, part)
                assert node == value, f"{field}: read back {node!r}, wrote {value!r}"
        files = render_files(loaded, __version__)
    GENERATED["rendered"] += 1
    _check_outputs(loaded, files, values)


# --- prompt files: bytes and destination paths -----------------------------------------------------

_component = st.text(
    alphabet=st.characters(exclude_characters="/\\", exclude_categories=("Cs", "Cc")), min_size=1, max_size=10
).filter(lambda c: c not in {".", ".."})
_prompt_path = st.lists(_component, min_size=1, max_size=3).map("/".join).filter(lambda p: not p.startswith("~"))
_source_name = st.text(alphabet="abcXYZ019 _-.'\"$`é", min_size=1, max_size=12).filter(lambda n: n not in {".", ".."})


def _run_startup(script: str, sandbox: Path) -> Path:
    home, cwd = sandbox / "home", sandbox / "cwd"
    home.mkdir(parents=True)
    cwd.mkdir()
    env = {"HOME": str(home), "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C"}
    run = subprocess.run(["sh", "-c", script], cwd=cwd, env=env, capture_output=True, timeout=30, check=False)
    assert run.returncode == 0, run.stderr.decode(errors="replace")
    assert sorted(p.name for p in sandbox.iterdir()) == ["cwd", "home"] and not any(cwd.iterdir())
    return home


@SETTINGS
@given(
    content=st.one_of(
        st.binary(max_size=3000), st.sampled_from([b"", b"\x00", b"EOT\n", b"${x}\n%{y}\n", b"\xff\xfe"])
    ),
    path=_prompt_path,
    source=_source_name,
    team_content=st.binary(max_size=300),
)
def test_prompt_files_written_byte_exact(content: bytes, path: str, source: str, team_content: bytes) -> None:
    GENERATED["prompts"] += 1
    doc = base_doc()
    org = dict(doc["prompts"][0])
    doc["prompts"] = [org, {"path": path, "source": f"rules/{source}"}]
    doc["teams"][0]["prompts"] = [{"path": org["path"], "source": "team/override.md"}]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "policy"
        _write_prompts(folder, {**_example_prompts(), f"rules/{source}": content, "team/override.md": team_content})
        try:
            loaded = _load(doc, folder)
        except PolicyError as exc:
            assert {i.path for i in exc.issues} <= {"prompts[1].path", "teams[0].prompts[0].path"}, str(exc)
            return
        files = render_files(loaded, __version__)
        team = loaded.policy.teams[0]
        main_tf = load_tf(files[f"coder/{coder_template_name(team, loaded.policy.templates[0])}/main.tf"].decode())
        script = resources(main_tf, "coder_agent")["main"]["startup_script"]
        home = _run_startup(script, Path(tmp) / "sandbox")
        expected = {org["path"]: team_content, path: content} if path != org["path"] else {path: team_content}
        for dest, data in expected.items():
            assert (home / dest).read_bytes() == data, dest
        written = {p.relative_to(home).as_posix() for p in home.rglob("*") if p.is_file()}
        assert set(expected) <= written
        assert not any(w.endswith(".cdeops-tmp") for w in written)


def test_reserved_tool_files_match_what_the_tools_get() -> None:
    """The rule that keeps rules files off the AI tools' config knows every file the wiring writes."""
    doc = base_doc()
    doc["templates"][0]["ai_tools"] = list(AI_TOOLS)
    with tempfile.TemporaryDirectory() as tmp:
        _write_prompts(Path(tmp), _example_prompts())
        policy = _load(doc, Path(tmp)).policy
    written = {f.path for f in wire_tools(policy, policy.teams[0], policy.templates[0]).files}
    assert written == set(TOOL_FILES)


def test_report_counts() -> None:
    """Runs last in this module: shows how many examples were generated (pytest -s)."""
    print(f"\nhostile strings: {GENERATED}")
