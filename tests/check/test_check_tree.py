"""`cdeops check` passes on every example's output and fails on each kind of breakage."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from cdeops.checks.findings import Finding
from cdeops.checks.runner import CheckReport, run_checks
from tests.support.examples import rendered


def errors(report: CheckReport, check: str | None = None) -> list[Finding]:
    return [f for f in report.errors if check is None or f.check == check]


def first_team_template(tree: Path) -> Path:
    return sorted((tree / "coder").glob("*/main.tf"))[0]


def test_every_example_passes(example: str, render_example: Callable[[str], Path]) -> None:
    report = run_checks(render_example(example))
    assert report.errors == [], "\n".join(map(str, report.errors))
    assert report.counts["terraform_files"] > 0
    assert report.counts["kubernetes_objects"] > 0


def test_example_passes_with_its_policy_for_the_exact_egress_proof(
    example: str, render_example: Callable[[str], Path]
) -> None:
    loaded, _ = rendered(example)
    report = run_checks(render_example(example), policy=loaded.policy, fmt=False)
    assert errors(report, "egress") == []


def test_kubernetes_version_comes_from_the_pod_security_label(eks_tree: Path) -> None:
    assert run_checks(eks_tree, fmt=False).kubernetes_version == "1.33"
    assert run_checks(eks_tree, fmt=False, kubernetes_version="1.99").kubernetes_version != "1.99"


def test_unknown_terraform_attribute(eks_tree: Path) -> None:
    main = first_team_template(eks_tree)
    main.write_text(
        main.read_text().replace('  os                      = "linux"', '  oss                     = "linux"')
    )
    report = run_checks(eks_tree, fmt=False)
    found = errors(report, "terraform-schema")
    assert any('unknown attribute "oss"' in f.message and f.line > 0 for f in found), found
    assert any(f.check == "manifest" and f.file.endswith("main.tf") for f in report.errors)


def test_misformatted_terraform_is_judged_by_terraform_fmt(eks_tree: Path) -> None:
    main = first_team_template(eks_tree)
    main.write_text(main.read_text().replace("  os                      =", "  os =", 1))
    report = run_checks(eks_tree)
    name = main.relative_to(eks_tree).as_posix()
    assert [f.file for f in errors(report, "terraform-fmt")] == [name]
    assert "+  os                      =" in report.fmt_diffs[name]


def _drop_object(path: Path, kind: str, name: str) -> None:
    docs = [d for d in yaml.safe_load_all(path.read_text()) if d is not None]
    kept = [d for d in docs if not (d["kind"] == kind and d["metadata"]["name"] == name)]
    assert len(kept) == len(docs) - 1
    path.write_text("---\n" + "---\n".join(yaml.safe_dump(d, sort_keys=False) for d in kept))


def test_removed_default_deny_policy(eks_tree: Path) -> None:
    team_file = sorted((eks_tree / "kubernetes" / "teams").glob("*.yaml"))[0]
    _drop_object(team_file, "NetworkPolicy", "default-deny")
    found = errors(run_checks(eks_tree, fmt=False), "egress")
    assert any("no default-deny NetworkPolicy" in f.message for f in found), found
    assert {f.file for f in found} == {team_file.relative_to(eks_tree).as_posix()}


def test_removed_allow_rule_breaks_reachability(eks_tree: Path) -> None:
    team_file = sorted((eks_tree / "kubernetes" / "teams").glob("*.yaml"))[0]
    _drop_object(team_file, "NetworkPolicy", "allow-coderd")
    found = errors(run_checks(eks_tree, fmt=False), "egress")
    assert any("cannot reach coderd" in f.message for f in found), found


def test_open_egress_rule_is_caught(eks_tree: Path) -> None:
    team_file = sorted((eks_tree / "kubernetes" / "teams").glob("*.yaml"))[0]
    docs = [d for d in yaml.safe_load_all(team_file.read_text()) if d is not None]
    docs.append(
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": {"name": "oops", "namespace": docs[0]["metadata"]["name"]},
            "spec": {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{}]},
        }
    )
    team_file.write_text("---\n" + "---\n".join(yaml.safe_dump(d, sort_keys=False) for d in docs))
    found = errors(run_checks(eks_tree, fmt=False), "egress")
    assert any("can reach world" in f.message for f in found), found


@pytest.mark.parametrize(
    "secret",
    [
        "sk-ant-api03-" + "Q9x" * 12,
        "sk-proj-" + "a1B2c3" * 6,
        "AKIA" + "Z7Q2" * 4,
        "ghp_" + "Ab1" * 12,
    ],
)
def test_literal_api_key(eks_tree: Path, secret: str) -> None:
    readme = sorted((eks_tree / "coder").glob("*/README.md"))[0]
    readme.write_text(readme.read_text() + f"\nexport LEAKED={secret}\n")
    found = errors(run_checks(eks_tree, fmt=False), "secrets")
    assert [f.file for f in found] == [readme.relative_to(eks_tree).as_posix()]
    assert secret not in json.dumps([f.to_dict() for f in found])


def test_manifest_hash_mismatch_and_missing_and_unlisted(eks_tree: Path) -> None:
    listed = json.loads((eks_tree / "manifest.json").read_text())["files"]
    victim, removed = sorted(listed)[0], sorted(listed)[1]
    (eks_tree / victim).write_bytes((eks_tree / victim).read_bytes() + b"\n")
    (eks_tree / removed).unlink()
    (eks_tree / "NOTES.md").write_text("my notes\n")
    report = run_checks(eks_tree, fmt=False)
    manifest = [f for f in report.findings if f.check == "manifest"]
    assert any(f.file == victim and "sha256 differs" in f.message and f.severity == "error" for f in manifest)
    assert any(f.file == removed and "missing" in f.message and f.severity == "error" for f in manifest)
    assert any(f.file == "NOTES.md" and f.severity == "warning" for f in manifest)


def test_unlisted_file_alone_is_only_a_warning(eks_tree: Path) -> None:
    (eks_tree / "NOTES.md").write_text("my notes\n")
    report = run_checks(eks_tree, fmt=False)
    assert report.ok and any(f.file == "NOTES.md" for f in report.warnings)


def test_kubernetes_schema_unknown_field(eks_tree: Path) -> None:
    team_file = sorted((eks_tree / "kubernetes" / "teams").glob("*.yaml"))[0]
    team_file.write_text(
        team_file.read_text().replace("  podSelector: {}\n", "  podSelector: {}\n  podSelecter: {}\n", 1)
    )
    found = errors(run_checks(eks_tree, fmt=False), "k8s-schema")
    assert any("podSelecter" in f.message and f.line > 0 for f in found), found


def test_cilium_crd_schema(eks_tree: Path) -> None:
    hits = [p for p in (eks_tree / "kubernetes").rglob("*.yaml") if "toFQDNs" in p.read_text()]
    assert hits, "the eks example renders Cilium FQDN policies"
    hits[0].write_text(hits[0].read_text().replace("matchName:", "matchNmae:", 1))
    found = errors(run_checks(eks_tree, fmt=False), "k8s-schema")
    assert any("CiliumNetworkPolicy" in f.message and "matchNmae" in f.message for f in found), found


def test_missing_cost_label_on_coder_pod(eks_tree: Path) -> None:
    main = first_team_template(eks_tree)
    text = re.sub(r'\n\s*"?cost-center"?\s*=\s*"[^"]*"', "", main.read_text(), count=1)
    main.write_text(text)
    found = errors(run_checks(eks_tree, fmt=False), "labels")
    assert any("cost-center" in f.message and "PVC" in f.message for f in found), found
    assert any("cost-center" in f.message and "pod template" in f.message for f in found), found


def test_missing_label_on_namespace(eks_tree: Path) -> None:
    team_file = sorted((eks_tree / "kubernetes" / "teams").glob("*.yaml"))[0]
    docs = [d for d in yaml.safe_load_all(team_file.read_text()) if d is not None]
    del docs[0]["metadata"]["labels"]["team"]
    team_file.write_text("---\n" + "---\n".join(yaml.safe_dump(d, sort_keys=False) for d in docs))
    found = errors(run_checks(eks_tree, fmt=False), "labels")
    assert any("Namespace" in f.message and "team" in f.message for f in found), found


@pytest.mark.parametrize(
    ("before", "after", "problem"),
    [
        ("allow_privilege_escalation = false", "allow_privilege_escalation = true", "allow_privilege_escalation"),
        ('drop = ["ALL"]', 'drop = ["NET_RAW"]', "drop ALL"),
        ('type = "RuntimeDefault"', 'type = "Unconfined"', "seccomp"),
    ],
)
def test_hardening_of_coder_template(eks_tree: Path, before: str, after: str, problem: str) -> None:
    main = first_team_template(eks_tree)
    assert before in main.read_text()
    main.write_text(main.read_text().replace(before, after))
    found = errors(run_checks(eks_tree, fmt=False), "hardening")
    assert any(problem in f.message for f in found), found


def test_vault_data_source_in_coder_template(eks_tree: Path) -> None:
    main = first_team_template(eks_tree)
    main.write_text(
        main.read_text() + '\ndata "vault_kv_secret_v2" "key" {\n  mount = "secret"\n  name  = "team/key"\n}\n'
    )
    found = errors(run_checks(eks_tree, fmt=False), "vault-in-template")
    assert len(found) == 1 and "vault_kv_secret_v2" in found[0].message and found[0].line > 0


def test_hardening_of_yaml_workloads(eks_tree: Path) -> None:
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "tool", "namespace": "tools"},
        "spec": {
            "selector": {"matchLabels": {"app": "tool"}},
            "template": {
                "metadata": {"labels": {"app": "tool"}},
                "spec": {"containers": [{"name": "tool", "image": "tool:1.0"}]},
            },
        },
    }
    (eks_tree / "kubernetes" / "extra.yaml").write_text(yaml.safe_dump(deployment))
    found = [f.message for f in errors(run_checks(eks_tree, fmt=False), "hardening")]
    assert len(found) == 4 and all("Deployment tools/tool: container tool" in m for m in found), found


def test_unknown_litellm_config_key(eks_tree: Path) -> None:
    config = eks_tree / "gateway" / "litellm" / "config.yaml"
    doc = yaml.safe_load(config.read_text())
    doc["general_settings"]["master_kee"] = "os.environ/LITELLM_MASTER_KEY"
    config.write_text(yaml.safe_dump(doc))
    found = errors(run_checks(eks_tree, fmt=False), "litellm-config")
    assert any("master_kee" in f.message for f in found), found
