"""The shipped GPU node pool modules (terraform/modules/*-gpu-pool).

No provider binary can be downloaded here, so nothing runs ``terraform init`` on the modules
themselves. Instead:

* every ``.tf`` file is parsed with python-hcl2 and every resource is checked against the
  shipped provider schemas (``cdeops.checks.terraform_schema``);
* real ``terraform fmt -check`` proves the files are canonical;
* the modules' ``variables.tf`` and ``locals`` run under real Terraform in a provider-free copy,
  so the variable validations and the computed labels, taints and tags are evaluated by
  Terraform itself, not by a re-implementation;
* structural tests pin the GPU-specific promises (taint, cost tags, autoscaler ownership).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import hcl2
import pytest

from cdeops.checks.terraform_schema import check_terraform_dir
from tests.support.tools import ALLOW_MISSING_ENV, repo_root, terraform_binary

MODULES_DIR = repo_root() / "terraform" / "modules"
MODULES = ("eks-gpu-pool", "gke-gpu-pool", "aks-gpu-pool")
MODULE_FILES = ("main.tf", "variables.tf", "outputs.tf", "versions.tf", "README.md")
RESOURCE = {
    "eks-gpu-pool": "aws_eks_node_group",
    "gke-gpu-pool": "google_container_node_pool",
    "aks-gpu-pool": "azurerm_kubernetes_cluster_node_pool",
}
PROVIDER = {
    "eks-gpu-pool": ("aws", "hashicorp/aws"),
    "gke-gpu-pool": ("google", "hashicorp/google"),
    "aks-gpu-pool": ("azurerm", "hashicorp/azurerm"),
}
COMMON_OUTPUTS = {"id", "name", "labels", "node_selector", "taint", "taints", "tolerations"}
GPU_TAINT = {"key": "nvidia.com/gpu", "value": "present", "effect": "NoSchedule"}
GPU_TOLERATION = {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}

# Minimal valid inputs per module for the Terraform evaluation tests.
BASE_VARS: dict[str, dict[str, Any]] = {
    "eks-gpu-pool": {
        "cluster_name": "acme-cde",
        "name": "gpu-l4",
        "node_role_arn": "arn:aws:iam::123456789012:role/acme-gpu-nodes",
        "subnet_ids": ["subnet-0a1b2c3d"],
        "instance_types": ["g6.2xlarge"],
        "accelerator": "nvidia-l4",
        "tags": {"team": "payments", "cost-center": "cc-1042"},
    },
    "gke-gpu-pool": {
        "location": "us-central1",
        "cluster": "acme-cde",
        "name": "gpu-l4",
        "machine_type": "g2-standard-8",
        "accelerator_type": "nvidia-l4",
        "service_account": "gpu-nodes@acme-prod.iam.gserviceaccount.com",
        "resource_labels": {"team": "payments", "cost-center": "cc-1042"},
    },
    "aks-gpu-pool": {
        "kubernetes_cluster_id": (
            "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/acme"
            "/providers/Microsoft.ContainerService/managedClusters/acme-cde"
        ),
        "name": "gpu-a100",
        "vm_size": "Standard_NC24ads_A100_v4",
        "accelerator": "nvidia-a100",
        "tags": {"team": "payments", "cost-center": "cc-1042"},
    },
}


# --- helpers -------------------------------------------------------------------------------


def _unq(value: Any) -> Any:
    """python-hcl2 keeps the quotes of string literals and block labels; drop them."""
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


def _load(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        data: dict[str, Any] = hcl2.load(handle)
    return data


def _module_tf(module: str) -> dict[str, dict[str, Any]]:
    return {p.name: _load(p) for p in sorted((MODULES_DIR / module).glob("*.tf"))}


def _resources(module: str) -> dict[str, dict[str, Any]]:
    """``{"<type>.<name>": body}`` for every resource in the module."""
    found: dict[str, dict[str, Any]] = {}
    for parsed in _module_tf(module).values():
        for entry in parsed.get("resource", []):
            for type_name, by_name in entry.items():
                for name, body in by_name.items():
                    found[f"{_unq(type_name)}.{_unq(name)}"] = body
    return found


def _blocks(body: dict[str, Any], name: str) -> list[dict[str, Any]]:
    value = body.get(name, [])
    return [b for b in value if isinstance(b, dict)] if isinstance(value, list) else []


def _locals(module: str) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for parsed in _module_tf(module).values():
        for block in parsed.get("locals", []):
            merged.update({k: v for k, v in block.items() if not k.startswith("__")})
    return merged


def _variables(module: str) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for entry in _load(MODULES_DIR / module / "variables.tf").get("variable", []):
        for name, body in entry.items():
            found[_unq(name)] = body
    return found


def _outputs(module: str) -> set[str]:
    return {_unq(n) for e in _load(MODULES_DIR / module / "outputs.tf").get("output", []) for n in e}


def _ignore_changes(body: dict[str, Any]) -> list[str]:
    return [str(item) for lc in _blocks(body, "lifecycle") for item in lc.get("ignore_changes", [])]


def _terraform() -> Path:
    binary = terraform_binary()
    if binary is None:
        if os.environ.get(ALLOW_MISSING_ENV) == "1":
            pytest.skip(f"terraform not on PATH ({ALLOW_MISSING_ENV}=1)")
        pytest.fail("terraform not on PATH; the module tests need the real terraform binary")
    return binary


def _top_level_block(text: str, keyword: str) -> str:
    """The text of the top-level ``<keyword> { ... }`` block of a canonical (fmt'ed) file."""
    match = re.search(rf"^{keyword} \{{\n.*?^\}}\n", text, flags=re.MULTILINE | re.DOTALL)
    assert match, f"no top-level {keyword} block"
    return match.group(0)


class _Evaluator:
    """Runs a module's variables and locals under real Terraform, without any provider.

    The copy holds ``variables.tf``, the module's ``locals`` block and one output per local, so
    ``terraform init`` has nothing to download and ``terraform apply`` only evaluates.
    """

    def __init__(self, module: str, work: Path) -> None:
        self.binary = _terraform()
        self.work = work
        work.mkdir(parents=True)
        source = MODULES_DIR / module
        shutil.copy(source / "variables.tf", work / "variables.tf")
        main = (source / "main.tf").read_text(encoding="utf-8")
        (work / "locals.tf").write_text(_top_level_block(main, "locals"), encoding="utf-8")
        probes = "".join(f'output "{name}" {{\n  value = local.{name}\n}}\n' for name in _locals(module))
        (work / "probe.tf").write_text(probes, encoding="utf-8")
        home = work.parent / "home"
        home.mkdir(exist_ok=True)
        cli_config = work.parent / "terraformrc"
        cli_config.write_text("", encoding="utf-8")
        self.env = {
            **os.environ,
            "HOME": str(home),
            "TF_CLI_CONFIG_FILE": str(cli_config),
            "CHECKPOINT_DISABLE": "1",
            "TF_IN_AUTOMATION": "1",
        }
        self.env.pop("TF_PLUGIN_CACHE_DIR", None)
        done = self._run("init", "-input=false", "-no-color", "-backend=false")
        assert done.returncode == 0, done.stdout + done.stderr
        assert not (work / ".terraform" / "providers").exists(), "the probe must not install providers"

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.binary), *args],
            cwd=self.work,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def evaluate(self, variables: dict[str, Any]) -> tuple[dict[str, Any] | None, str]:
        """``(locals, "")`` when Terraform accepts the variables, else ``(None, error text)``."""
        var_file = self.work / "inputs.auto.tfvars.json"
        var_file.write_text(json.dumps(variables), encoding="utf-8")
        state = self.work / "terraform.tfstate"
        state.unlink(missing_ok=True)
        done = self._run("apply", "-auto-approve", "-input=false", "-no-color")
        if done.returncode != 0:
            return None, re.sub(r"\s+", " ", done.stderr)
        shown = self._run("output", "-json", "-no-color")
        assert shown.returncode == 0, shown.stderr
        return {k: v["value"] for k, v in json.loads(shown.stdout).items()}, ""


@pytest.fixture(scope="module")
def evaluators(tmp_path_factory: pytest.TempPathFactory) -> dict[str, _Evaluator]:
    base = tmp_path_factory.mktemp("tf-eval")
    return {module: _Evaluator(module, base / module) for module in MODULES}


# --- layout and parsing --------------------------------------------------------------------


@pytest.mark.parametrize("module", MODULES)
def test_module_has_its_files(module: str) -> None:
    for name in MODULE_FILES:
        assert (MODULES_DIR / module / name).is_file(), f"{module}/{name} missing"


def test_terraform_readme_exists() -> None:
    text = (repo_root() / "terraform" / "README.md").read_text(encoding="utf-8")
    for module in MODULES:
        assert module in text


@pytest.mark.parametrize("module", MODULES)
def test_every_tf_file_parses(module: str) -> None:
    parsed = _module_tf(module)
    assert set(parsed) == {"main.tf", "variables.tf", "outputs.tf", "versions.tf"}


@pytest.mark.parametrize("module", MODULES)
def test_versions_pin_terraform_and_provider(module: str) -> None:
    (terraform,) = _load(MODULES_DIR / module / "versions.tf")["terraform"]
    assert re.fullmatch(r">= ?1\.\d+(\.\d+)?", _unq(terraform["required_version"]))
    (providers,) = terraform["required_providers"]
    local_name, source = PROVIDER[module]
    assert _unq(providers[local_name]["source"]) == source
    assert re.fullmatch(r"~> ?\d+\.\d+", _unq(providers[local_name]["version"]))


@pytest.mark.parametrize("module", MODULES)
def test_variables_are_typed_and_described(module: str) -> None:
    for name, body in _variables(module).items():
        assert "type" in body, f"{module}: variable {name} has no type"
        assert _unq(body.get("description", "")), f"{module}: variable {name} has no description"


@pytest.mark.parametrize("module", MODULES)
def test_outputs_give_callers_what_tolerations_need(module: str) -> None:
    assert _outputs(module) >= COMMON_OUTPUTS


@pytest.mark.parametrize("module", MODULES)
def test_readme_documents_every_input_and_output(module: str) -> None:
    text = (MODULES_DIR / module / "README.md").read_text(encoding="utf-8")
    for name in [*_variables(module), *_outputs(module)]:
        assert f"| `{name}` |" in text, f"{module}/README.md does not list {name}"


def _readme_example(module: str) -> str:
    text = (MODULES_DIR / module / "README.md").read_text(encoding="utf-8")
    (example,) = re.findall(r"```hcl\n(.*?)```", text, flags=re.DOTALL)
    return str(example)


@pytest.mark.parametrize("module", MODULES)
def test_readme_example_uses_real_inputs(module: str) -> None:
    (call,) = hcl2.loads(_readme_example(module))["module"]
    (arguments,) = call.values()
    given = {k for k in arguments if not k.startswith("__")} - {"source"}
    variables = _variables(module)
    required = {name for name, body in variables.items() if "default" not in body}
    assert given <= set(variables), f"unknown inputs: {given - set(variables)}"
    assert required <= given, f"missing required inputs: {required - given}"


@pytest.mark.parametrize("module", MODULES)
def test_readme_example_is_canonical(module: str) -> None:
    example = _readme_example(module)
    done = subprocess.run(
        [str(_terraform()), "fmt", "-no-color", "-"],
        input=example,
        capture_output=True,
        text=True,
        env={**os.environ, "CHECKPOINT_DISABLE": "1"},
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == example


# --- provider schema -----------------------------------------------------------------------


@pytest.mark.parametrize("module", MODULES)
def test_resources_match_the_provider_schema(module: str) -> None:
    assert check_terraform_dir(MODULES_DIR / module) == []


def test_schema_check_catches_a_planted_mistake(tmp_path: Path) -> None:
    """Guards against the schema test passing vacuously (e.g. an unknown provider skipped)."""
    copy = tmp_path / "aks-gpu-pool"
    shutil.copytree(MODULES_DIR / "aks-gpu-pool", copy)
    main = copy / "main.tf"
    text = main.read_text(encoding="utf-8")
    assert "auto_scaling_enabled" in text
    main.write_text(text.replace("auto_scaling_enabled", "enable_auto_scaling"), encoding="utf-8")
    findings = check_terraform_dir(copy)
    assert any("enable_auto_scaling" in f.message for f in findings)


# --- formatting (real terraform) -----------------------------------------------------------


def test_terraform_fmt_check_passes() -> None:
    done = subprocess.run(
        [str(_terraform()), "fmt", "-check", "-recursive", "-no-color", str(MODULES_DIR)],
        capture_output=True,
        text=True,
        env={**os.environ, "CHECKPOINT_DISABLE": "1"},
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"not canonical: {done.stdout}{done.stderr}"


# --- GPU promises, read from the HCL -------------------------------------------------------


def test_eks_uses_the_nvidia_al2023_ami_by_default() -> None:
    assert _unq(_variables("eks-gpu-pool")["ami_type"]["default"]) == "AL2023_x86_64_NVIDIA"
    group = _resources("eks-gpu-pool")["aws_eks_node_group.this"]
    assert group["ami_type"] == "${var.ami_type}"


def test_eks_launch_template_tags_instances_and_volumes() -> None:
    template = _resources("eks-gpu-pool")["aws_launch_template.this"]
    specs = {_unq(s["resource_type"]): s["tags"] for s in _blocks(template, "tag_specifications")}
    assert {"instance", "volume"} <= set(specs)
    assert "local.cost_tags" in specs["volume"]
    assert "local.instance_tags" in specs["instance"]


def test_eks_launch_template_root_volume_and_imdsv2() -> None:
    template = _resources("eks-gpu-pool")["aws_launch_template.this"]
    (mapping,) = _blocks(template, "block_device_mappings")
    (ebs,) = _blocks(mapping, "ebs")
    assert _unq(ebs["encrypted"]) == "true"
    assert ebs["volume_size"] == "${var.disk_size_gib}"
    assert _variables("eks-gpu-pool")["disk_size_gib"]["default"] >= 100
    (metadata,) = _blocks(template, "metadata_options")
    assert _unq(metadata["http_tokens"]) == "required"
    assert _variables("eks-gpu-pool")["imds_hop_limit"]["default"] == 1


def test_eks_node_group_uses_the_launch_template() -> None:
    group = _resources("eks-gpu-pool")["aws_eks_node_group.this"]
    (template,) = _blocks(group, "launch_template")
    assert "aws_launch_template.this.id" in template["id"]
    assert "aws_launch_template.this.latest_version" in template["version"]
    assert "disk_size" not in group, "disk_size conflicts with a launch template"


def test_taint_is_set_in_every_module() -> None:
    eks = _resources("eks-gpu-pool")["aws_eks_node_group.this"]
    (taint,) = _blocks(eks, "taint")
    assert _unq(taint["effect"]) == "NO_SCHEDULE"
    gke = _resources("gke-gpu-pool")["google_container_node_pool.this"]
    (node_config,) = _blocks(gke, "node_config")
    (taint,) = _blocks(node_config, "taint")
    assert _unq(taint["effect"]) == "NO_SCHEDULE"
    aks = _resources("aks-gpu-pool")["azurerm_kubernetes_cluster_node_pool.this"]
    assert aks["node_taints"] == "${local.node_taints}"
    for module in MODULES:
        literal = {k: _unq(v) for k, v in _locals(module)["gpu_taint"].items()}
        assert literal == GPU_TAINT, module


@pytest.mark.parametrize(
    ("module", "ignored"),
    [
        ("eks-gpu-pool", "scaling_config[0].desired_size"),
        ("aks-gpu-pool", "node_count"),
        ("gke-gpu-pool", "initial_node_count"),
    ],
)
def test_autoscaler_owns_the_node_count(module: str, ignored: str) -> None:
    body = _resources(module)[f"{RESOURCE[module]}.this"]
    assert any(ignored in item for item in _ignore_changes(body))


def test_gke_node_config_hardening_and_driver() -> None:
    pool = _resources("gke-gpu-pool")["google_container_node_pool.this"]
    (node_config,) = _blocks(pool, "node_config")
    (accelerator,) = _blocks(node_config, "guest_accelerator")
    (driver,) = _blocks(accelerator, "gpu_driver_installation_config")
    assert driver["gpu_driver_version"] == "${var.gpu_driver_version}"
    (metadata,) = _blocks(node_config, "workload_metadata_config")
    assert _unq(metadata["mode"]) == "GKE_METADATA"
    (shielded,) = _blocks(node_config, "shielded_instance_config")
    assert shielded["enable_integrity_monitoring"] is True
    (management,) = _blocks(pool, "management")
    assert management["auto_repair"] is True


def test_aks_uses_v4_names_and_installs_the_driver() -> None:
    pool = _resources("aks-gpu-pool")["azurerm_kubernetes_cluster_node_pool.this"]
    assert pool["auto_scaling_enabled"] is True
    assert "enable_auto_scaling" not in pool
    assert pool["gpu_driver"] == "${var.gpu_driver}"
    assert _unq(_variables("aks-gpu-pool")["gpu_driver"]["default"]) == "Install"
    assert _unq(pool["mode"]) == "User"


# --- evaluated by real terraform -----------------------------------------------------------


def test_eks_locals_evaluate(evaluators: dict[str, _Evaluator]) -> None:
    values, error = evaluators["eks-gpu-pool"].evaluate(BASE_VARS["eks-gpu-pool"])
    assert values is not None, error
    assert values["node_labels"] == {"cdeops.io/gpu-pool": "gpu-l4", "cdeops.io/accelerator": "nvidia-l4"}
    assert values["gpu_taint"] == GPU_TAINT
    assert values["tolerations"] == [GPU_TOLERATION]
    assert values["capacity_type"] == "ON_DEMAND"
    assert values["desired_size"] == 0
    assert values["root_device_name"] == "/dev/xvda"
    assert values["cost_tags"]["team"] == "payments"
    assert values["instance_tags"]["Name"] == "acme-cde-gpu-l4"
    tags = values["node_group_tags"]
    assert tags["k8s.io/cluster-autoscaler/enabled"] == "true"
    assert "k8s.io/cluster-autoscaler/acme-cde" in tags
    assert tags["k8s.io/cluster-autoscaler/node-template/label/cdeops.io/gpu-pool"] == "gpu-l4"
    assert tags["k8s.io/cluster-autoscaler/node-template/taint/nvidia.com/gpu"] == "present:NoSchedule"
    assert tags["k8s.io/cluster-autoscaler/node-template/resources/nvidia.com/gpu"] == "1"
    assert len(tags) <= 50


def test_eks_spot_and_bottlerocket(evaluators: dict[str, _Evaluator]) -> None:
    variables = {
        **BASE_VARS["eks-gpu-pool"],
        "spot": True,
        "ami_type": "BOTTLEROCKET_x86_64_NVIDIA",
        "min_size": 1,
        "max_size": 4,
        "gpus_per_node": 4,
    }
    values, error = evaluators["eks-gpu-pool"].evaluate(variables)
    assert values is not None, error
    assert values["capacity_type"] == "SPOT"
    assert values["root_device_name"] == "/dev/xvdb"
    assert values["desired_size"] == 1
    gpu_tag = "k8s.io/cluster-autoscaler/node-template/resources/nvidia.com/gpu"
    assert values["node_group_tags"][gpu_tag] == "4"


def test_gke_locals_evaluate(evaluators: dict[str, _Evaluator]) -> None:
    values, error = evaluators["gke-gpu-pool"].evaluate(BASE_VARS["gke-gpu-pool"])
    assert values is not None, error
    assert values["node_labels"] == {"cdeops.io/gpu-pool": "gpu-l4", "cdeops.io/accelerator": "nvidia-l4"}
    assert values["gpu_taint"] == GPU_TAINT
    assert values["tolerations"] == [GPU_TOLERATION]
    labels = values["resource_labels"]
    assert labels["team"] == "payments"
    assert labels["cdeops-gpu-pool"] == "gpu-l4"
    gce = re.compile(r"[a-z][a-z0-9_-]{0,62}")
    assert all(gce.fullmatch(k) and re.fullmatch(r"[a-z0-9_-]{0,63}", v) for k, v in labels.items())


def test_aks_locals_evaluate(evaluators: dict[str, _Evaluator]) -> None:
    values, error = evaluators["aks-gpu-pool"].evaluate(BASE_VARS["aks-gpu-pool"])
    assert values is not None, error
    assert values["node_pool_name"] == "gpua100"
    assert values["node_taints"] == ["nvidia.com/gpu=present:NoSchedule"]
    assert values["tolerations"] == [GPU_TOLERATION]
    assert values["priority"] == "Regular"
    assert values["node_count"] == 0
    assert values["tags"]["cdeops-gpu-pool"] == "gpu-a100"
    assert all("/" not in key for key in values["tags"])


def test_aks_spot_adds_the_spot_taint_and_toleration(evaluators: dict[str, _Evaluator]) -> None:
    variables = {**BASE_VARS["aks-gpu-pool"], "spot": True, "node_pool_name": "gpuspot"}
    values, error = evaluators["aks-gpu-pool"].evaluate(variables)
    assert values is not None, error
    assert values["node_pool_name"] == "gpuspot"
    assert values["priority"] == "Spot"
    assert values["node_taints"] == [
        "nvidia.com/gpu=present:NoSchedule",
        "kubernetes.azure.com/scalesetpriority=spot:NoSchedule",
    ]
    assert {"key": "kubernetes.azure.com/scalesetpriority", "operator": "Exists", "effect": "NoSchedule"} in (
        values["tolerations"]
    )
    assert values["node_labels"]["kubernetes.azure.com/scalesetpriority"] == "spot"


@pytest.mark.parametrize(
    ("module", "overrides", "message"),
    [
        ("eks-gpu-pool", {"min_size": 3, "max_size": 2}, "min_size must be <= max_size"),
        ("eks-gpu-pool", {"max_size": 2, "desired_size": 5}, "desired_size must be a whole number between"),
        ("eks-gpu-pool", {"min_size": -1}, "min_size must be a whole number >= 0"),
        ("eks-gpu-pool", {"imds_hop_limit": 3}, "imds_hop_limit must be 1 or 2"),
        ("eks-gpu-pool", {"ami_type": "AL2_x86_64_GPU"}, "ami_type must be an NVIDIA AMI type"),
        ("eks-gpu-pool", {"name": "GPU_L4"}, "name must be a lowercase DNS label"),
        ("gke-gpu-pool", {"min_nodes": 5, "max_nodes": 4}, "min_nodes must be <= max_nodes"),
        ("gke-gpu-pool", {"gpu_driver_version": "v535"}, "gpu_driver_version must be"),
        ("gke-gpu-pool", {"resource_labels": {"Team": "x"}}, "GCE label rules"),
        ("gke-gpu-pool", {"accelerator_count": 0}, "accelerator_count must be a whole number >= 1"),
        ("gke-gpu-pool", {"service_account": "gpu-nodes"}, "service_account must be a service account email"),
        ("gke-gpu-pool", {"location_policy": "FASTEST"}, "location_policy must be BALANCED or ANY"),
        ("aks-gpu-pool", {"node_pool_name": "gpu-pool-l4"}, "node_pool_name must be 1-12"),
        ("aks-gpu-pool", {"node_pool_name": "gpupoolforllama"}, "node_pool_name must be 1-12"),
        ("aks-gpu-pool", {"min_count": 4, "max_count": 2}, "min_count must be <= max_count"),
        ("aks-gpu-pool", {"gpu_driver": "Skip"}, "gpu_driver must be Install or None"),
        ("aks-gpu-pool", {"tags": {"cdeops.io/team": "x"}}, "Azure tag names"),
        ("aks-gpu-pool", {"vm_size": "Standard_D8s_v5"}, "vm_size must be an N-series"),
        ("aks-gpu-pool", {"spot_max_price": 0}, "spot_max_price must be -1 or a positive price"),
    ],
)
def test_invalid_inputs_are_rejected(
    evaluators: dict[str, _Evaluator], module: str, overrides: dict[str, Any], message: str
) -> None:
    values, error = evaluators[module].evaluate({**BASE_VARS[module], **overrides})
    assert values is None, f"{module} accepted {overrides}"
    assert message in error
