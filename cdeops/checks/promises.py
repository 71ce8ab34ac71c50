"""The product's promises (SPEC §4) checked on a rendered tree, without the policy.

- ``labels``: workspace namespaces carry ``team`` and ``cost-center``; workloads in them and the pod
  and PVC of every Coder template carry the cost labels (``team``, ``project``, ``cost-center``,
  ``template``, ``owner``), read from the rendered HCL (literal maps and ``local.*`` maps, also
  inside ``merge(...)``).
- ``hardening``: every container of a Deployment (any workload kind) and of a Coder template runs
  with ``runAsNonRoot``, seccomp ``RuntimeDefault``, ``allowPrivilegeEscalation: false`` and drops
  ``ALL`` capabilities (pod-level settings count where Kubernetes inherits them).
- ``vault-in-template``: no Coder template reads Vault through a Terraform data source (the value
  would land in Terraform state); secrets reach workspaces at runtime only.

The egress promise is proven by :mod:`cdeops.checks.egress_promise`; literal secrets are found by
:mod:`cdeops.checks.secrets_scan`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import hcl2
from hcl2.utils import SerializationOptions
from lark.exceptions import LarkError

from cdeops.checks.findings import Finding
from cdeops.checks.hcl_scan import HclScanError, scan_hcl
from cdeops.checks.k8s_objects import K8sObject
from cdeops.views.naming import WORKSPACES_LABEL

__all__ = [
    "CODER_TEMPLATE_LABELS",
    "NAMESPACE_LABELS",
    "check_coder_template",
    "check_coder_templates",
    "check_object_promises",
]

NAMESPACE_LABELS = ("team", "cost-center")
CODER_TEMPLATE_LABELS = ("team", "project", "cost-center", "template", "owner")
_WORKLOADS = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "Pod"}
_POD_RESOURCES = ("kubernetes_pod_v1", "kubernetes_pod")
_PVC_RESOURCES = ("kubernetes_persistent_volume_claim_v1", "kubernetes_persistent_volume_claim")
_TEMPLATED_RESOURCES = (
    "kubernetes_deployment_v1",
    "kubernetes_deployment",
    "kubernetes_stateful_set_v1",
    "kubernetes_stateful_set",
    "kubernetes_daemon_set_v1",
    "kubernetes_daemonset",
    "kubernetes_job_v1",
    "kubernetes_job",
)
_NO_POD = "Coder template defines no workspace pod (Deployment, Pod, StatefulSet, Job) this check recognises"
_OPTIONS = SerializationOptions(strip_string_quotes=True, with_comments=False)
_LOCAL_REF = re.compile(r"\blocal\.([A-Za-z_][A-Za-z0-9_-]*)")
_QUOTED_KEY = re.compile(r'"([^"\\]+)"\s*[=:]|([A-Za-z_][A-Za-z0-9_-]*)\s*=(?!=)')


# -- Kubernetes YAML ---------------------------------------------------------------------------------
def _pod_spec(obj: Mapping[str, Any]) -> tuple[Mapping[str, Any], Mapping[str, Any]]:
    """(pod metadata, pod spec) of a workload object; empty mappings when absent."""
    spec = obj.get("spec") if isinstance(obj.get("spec"), dict) else {}
    if obj.get("kind") == "Pod":
        return obj.get("metadata") or {}, spec or {}
    if obj.get("kind") == "CronJob":
        spec = (spec or {}).get("jobTemplate", {}).get("spec", {})
    template = (spec or {}).get("template") or {}
    return template.get("metadata") or {}, template.get("spec") or {}


def _yaml_container_problems(pod: Mapping[str, Any]) -> list[str]:
    pod_ctx = pod.get("securityContext") or {}
    problems: list[str] = []
    for field in ("initContainers", "containers"):
        for container in pod.get(field) or []:
            ctx = container.get("securityContext") or {}
            name = container.get("name", "?")
            non_root = ctx.get("runAsNonRoot", pod_ctx.get("runAsNonRoot"))
            seccomp = (ctx.get("seccompProfile") or pod_ctx.get("seccompProfile") or {}).get("type")
            drops = (ctx.get("capabilities") or {}).get("drop") or []
            if non_root is not True:
                problems.append(f"container {name}: runAsNonRoot is not true")
            if seccomp not in ("RuntimeDefault", "Localhost"):
                problems.append(f"container {name}: seccompProfile is not RuntimeDefault")
            if ctx.get("allowPrivilegeEscalation") is not False:
                problems.append(f"container {name}: allowPrivilegeEscalation is not false")
            if "ALL" not in drops:
                problems.append(f"container {name}: capabilities do not drop ALL")
    return problems


def check_object_promises(objects: Iterable[K8sObject]) -> list[Finding]:
    """Labels on workspace namespaces and their workloads; hardening of every workload."""
    objects = list(objects)
    workspace_namespaces = {
        o.name for o in objects if o.kind == "Namespace" and str(o.labels.get(WORKSPACES_LABEL)) == "true"
    }
    findings: list[Finding] = []
    for item in objects:
        if item.kind == "Namespace" and item.name in workspace_namespaces:
            missing = [k for k in NAMESPACE_LABELS if not item.labels.get(k)]
            if missing:
                message = f"{item.describe()}: missing cost label(s) {', '.join(missing)}"
                findings.append(Finding("labels", item.file, item.line, message))
        if item.kind not in _WORKLOADS:
            continue
        pod_meta, pod = _pod_spec(item.obj)
        if item.namespace in workspace_namespaces:
            pod_labels = pod_meta.get("labels") or {}
            missing = [k for k in NAMESPACE_LABELS if not item.labels.get(k) or not pod_labels.get(k)]
            if missing:
                message = f"{item.describe()}: object or pod template lacks label(s) {', '.join(missing)}"
                findings.append(Finding("labels", item.file, item.line, message))
        for problem in _yaml_container_problems(pod):
            findings.append(Finding("hardening", item.file, item.line, f"{item.describe()}: {problem}"))
    return findings


# -- Coder templates (HCL) ---------------------------------------------------------------------------
def _first(value: Any) -> Mapping[str, Any]:
    """The single block of a nested block list (python-hcl2 gives blocks as lists)."""
    if isinstance(value, list) and value and isinstance(value[0], dict):
        first: Mapping[str, Any] = value[0]
        return first
    return value if isinstance(value, dict) else {}


def _blocks(value: Any) -> list[Mapping[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _label_keys(value: Any, local_maps: Mapping[str, Mapping[str, Any]]) -> set[str] | None:
    """Keys a ``labels`` value sets, or None when an expression hides them."""
    if isinstance(value, dict):
        return {str(k) for k in value if not str(k).startswith("__")}
    if not isinstance(value, str):
        return None
    keys: set[str] = set()
    resolved = False
    for name in _LOCAL_REF.findall(value):
        if name in local_maps:
            keys.update(local_maps[name])
            resolved = True
    literal = _LOCAL_REF.sub("", value)
    if "{" in literal:
        keys.update(a or b for a, b in _QUOTED_KEY.findall(literal[literal.index("{") :]))
        resolved = True
    return keys if resolved else None


def _line_of(text: str, kind: str, type_name: str, name: str) -> int:
    match = re.search(rf'^\s*{kind}\s+"{re.escape(type_name)}"\s+"{re.escape(name)}"', text, re.MULTILINE)
    return text.count("\n", 0, match.start()) + 1 if match else 0


def _bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _hcl_container_problems(pod: Mapping[str, Any]) -> list[str]:
    pod_ctx = _first(pod.get("security_context"))
    pod_seccomp = _first(pod_ctx.get("seccomp_profile")).get("type")
    problems: list[str] = []
    for field in ("init_container", "container"):
        for container in _blocks(pod.get(field)):
            ctx = _first(container.get("security_context"))
            name = container.get("name", "?")
            non_root = _bool(ctx.get("run_as_non_root", pod_ctx.get("run_as_non_root")))
            seccomp = _first(ctx.get("seccomp_profile")).get("type", pod_seccomp)
            drops = _first(ctx.get("capabilities")).get("drop") or []
            if non_root is not True:
                problems.append(f"container {name}: run_as_non_root is not true")
            if seccomp not in ("RuntimeDefault", "Localhost"):
                problems.append(f"container {name}: seccomp_profile is not RuntimeDefault")
            if _bool(ctx.get("allow_privilege_escalation")) is not False:
                problems.append(f"container {name}: allow_privilege_escalation is not false")
            if not isinstance(drops, list) or "ALL" not in drops:
                problems.append(f"container {name}: capabilities do not drop ALL")
    return problems


def _resources(doc: Mapping[str, Any], kind: str) -> list[tuple[str, str, Mapping[str, Any]]]:
    found: list[tuple[str, str, Mapping[str, Any]]] = []
    for entry in doc.get(kind) or []:
        for type_name, by_name in entry.items():
            for name, body in (by_name or {}).items():
                if isinstance(body, dict):
                    found.append((str(type_name), str(name), body))
    return found


def check_coder_template(text: str, file: str) -> list[Finding]:
    """Labels, hardening and Vault data sources of one Coder template ``main.tf``."""
    findings, has_pod = _check_template_file(text, file)
    if not has_pod:
        findings.append(Finding("labels", file, 0, _NO_POD))
    return findings


def _check_template_file(text: str, file: str) -> tuple[list[Finding], bool]:
    try:
        doc = scan_hcl(text)
    except HclScanError:  # not canonical layout (the fmt check says so): take the slow, full parser
        try:
            doc = hcl2.loads(text, serialization_options=_OPTIONS)
        except (LarkError, ValueError, RuntimeError):
            return [], True  # the schema check reports syntax errors
    local_maps: dict[str, Mapping[str, Any]] = {}
    for block in doc.get("locals") or []:
        for key, value in block.items():
            if isinstance(value, dict):
                local_maps[str(key)] = value
    findings: list[Finding] = []
    resources = _resources(doc, "resource")
    targets: list[tuple[str, str, str, Any, Mapping[str, Any] | None]] = []
    for type_name, name, body in resources:
        meta = _first(body.get("metadata"))
        if type_name in _PVC_RESOURCES:
            targets.append((type_name, name, "PVC", meta.get("labels"), None))
        elif type_name in _POD_RESOURCES:
            targets.append((type_name, name, "pod", meta.get("labels"), _first(body.get("spec"))))
        elif type_name in _TEMPLATED_RESOURCES:
            template = _first(_first(body.get("spec")).get("template"))
            pod_meta = _first(template.get("metadata"))
            targets.append((type_name, name, "pod template", pod_meta.get("labels"), _first(template.get("spec"))))
    for type_name, name, kind, labels, pod in targets:
        line = _line_of(text, "resource", type_name, name)
        keys = _label_keys(labels, local_maps)
        missing = [k for k in CODER_TEMPLATE_LABELS if keys is None or k not in keys]
        if missing:
            how = " (labels come from an expression this check cannot resolve)" if keys is None else ""
            message = f"{type_name}.{name}: {kind} lacks cost label(s) {', '.join(missing)}{how}"
            findings.append(Finding("labels", file, line, message))
        for problem in _hcl_container_problems(pod or {}):
            findings.append(Finding("hardening", file, line, f"{type_name}.{name}: {problem}"))
    for type_name, name, _ in _resources(doc, "data"):
        if type_name.startswith("vault_"):
            message = (
                f'data "{type_name}" "{name}" reads Vault at plan time: the secret would be stored in '
                "Terraform state; deliver it at runtime (Vault Agent, VSO or External Secrets)"
            )
            findings.append(Finding("vault-in-template", file, _line_of(text, "data", type_name, name), message))
    return findings, any(kind != "PVC" for _, _, kind, _, _ in targets)


def check_coder_templates(root: Path) -> list[Finding]:
    """Every ``coder/<name>/*.tf`` under ``root``."""
    findings: list[Finding] = []
    coder = root / "coder"
    if not coder.is_dir():
        return findings
    for folder in sorted(p for p in coder.iterdir() if p.is_dir() and not p.name.startswith(".")):
        has_pod = False
        for path in sorted(folder.glob("*.tf")):
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue  # reported by the schema check
            found, pod = _check_template_file(text, path.relative_to(root).as_posix())
            findings.extend(found)
            has_pod = has_pod or pod
        if not has_pod:
            findings.append(Finding("labels", folder.relative_to(root).as_posix(), 0, _NO_POD))
    return findings
