"""Objects that differ only in metadata share one schema verdict; every object still gets its findings."""

from __future__ import annotations

from typing import Any

from cdeops.checks.k8s_objects import K8sObject
from cdeops.checks.k8s_schema import check_objects


def _policy(namespace: str, policy_types: Any) -> dict[str, Any]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "default-deny", "namespace": namespace, "labels": {"team": namespace}},
        "spec": {"podSelector": {}, "policyTypes": policy_types},
    }


def test_per_team_copies_each_report_their_own_error() -> None:
    objects = [K8sObject(f"kubernetes/teams/t{i}.yaml", 3, _policy(f"ws-t{i}", "Egress")) for i in range(3)]
    objects.append(K8sObject("kubernetes/teams/ok.yaml", 3, _policy("ws-ok", ["Egress"])))
    findings = check_objects(objects, "1.33")
    assert sorted({f.file for f in findings}) == [f"kubernetes/teams/t{i}.yaml" for i in range(3)]
    assert all("ws-t" in f.message and "policyTypes" in f.message for f in findings)


def test_a_difference_outside_metadata_is_validated_separately() -> None:
    good = K8sObject("a.yaml", 1, _policy("ws-a", ["Egress"]))
    bad = K8sObject("b.yaml", 1, {**_policy("ws-a", ["Egress"]), "spec": {"podSelector": {}, "bogus": 1}})
    findings = check_objects([good, bad], "1.33")
    assert [f.file for f in findings] == ["b.yaml"] and "bogus" in findings[0].message
