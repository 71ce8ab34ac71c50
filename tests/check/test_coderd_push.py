"""terraform/coder-templates/main.tf pushes every rendered Coder template, ACL'd to its team."""

from __future__ import annotations

import re

import hcl2
from hcl2.utils import SerializationOptions

from cdeops.checks.terraform_fmt import format_check
from cdeops.checks.terraform_schema import check_terraform_text
from cdeops.outputs.coderd import STACK_DIR, version_name
from cdeops.views.naming import team_slug
from tests.support.examples import rendered

MAIN = f"{STACK_DIR}/main.tf"


def _templates(text: str) -> dict[str, dict[str, object]]:
    doc = hcl2.loads(text, serialization_options=SerializationOptions(strip_string_quotes=True))
    return {name: body for entry in doc["resource"] for name, body in entry["coderd_template"].items()}


def test_one_template_per_rendered_folder_with_its_team_acl(example: str) -> None:
    loaded, files = rendered(example)
    text = files[MAIN].decode()
    folders = sorted({p.split("/")[1] for p in files if p.startswith("coder/")})
    templates = _templates(text)
    assert sorted(templates) == folders
    for name, body in templates.items():
        assert body["name"] == name and body["require_active_version"] is True
        version = body["versions"][0]  # type: ignore[index]
        assert f'"{name}"' in version["directory"] and "path.module" in version["directory"]
        assert version["active"] is True
        folder = {p: d for p, d in files.items() if p.startswith(f"coder/{name}/")}
        assert version["name"] == version_name(folder)
    for team in loaded.policy.teams:
        slug = team_slug(team)
        assert f'data.coderd_group.team["{slug}"].id' in text
        assert re.search(rf'\n\s+"?{re.escape(slug)}"?\s+= "{re.escape(team.group)}"\n', text)
    assert 'role = "use"' in text and "users = []" in text


def test_provider_takes_credentials_from_the_environment(example: str) -> None:
    _, files = rendered(example)
    text = files[MAIN].decode()
    assert 'source  = "coder/coderd"' in text and 'version = "0.0.23"' in text
    provider = re.search(r'provider "coderd" (\{\}|\{[^}]*\})', text)
    assert provider is not None and "token" not in provider.group(1)


def test_schema_and_canonical_format(example: str) -> None:
    _, files = rendered(example)
    text = files[MAIN].decode()
    assert check_terraform_text(text, MAIN) == []
    assert format_check({MAIN: text}) == {}


def test_version_name_is_deterministic_and_content_derived() -> None:
    a = {"coder/x/main.tf": b"one", "coder/x/README.md": b"r"}
    assert version_name(a) == version_name(dict(reversed(list(a.items()))))
    assert version_name(a) != version_name({**a, "coder/x/main.tf": b"two"})
    assert re.fullmatch(r"cdeops-[0-9a-f]{12}", version_name(a))
