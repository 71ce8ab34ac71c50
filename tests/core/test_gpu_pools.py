"""GPU pools per cloud (root module calling the shipped modules, Karpenter objects) and model sizing."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from cdeops import __version__
from cdeops.checks.terraform_fmt import format_check
from cdeops.checks.terraform_schema import check_terraform_text
from cdeops.errors import PolicyError
from cdeops.policy import load_policy
from cdeops.policy.llm import GpuPool, Inference
from cdeops.policy.sizing import KNOWN_ARCHITECTURES, architecture_of, estimate_fit
from cdeops.render.pipeline import render_files
from tests.support.examples import REPO, example_path
from tests.support.hcl import load_tf

CLOUD_POOL = {
    "eks": "g6.2xlarge",
    "gke": "g2-standard-8",
    "aks": "Standard_NC8as_T4_v3",
}


def _policy_for(tmp_path: Path, cloud: str, extra: str = "") -> Path:
    text = example_path("eks-cilium").read_text()
    text = text.replace("provider: eks", f"provider: {cloud}").replace(
        "instance_type: g6.2xlarge", f"instance_type: {CLOUD_POOL[cloud]}"
    )
    if cloud != "eks":
        text = text.replace("provisioner: karpenter", "provisioner: managed")
    text += extra
    src = example_path("eks-cilium").parent
    (tmp_path / "prompts").mkdir(exist_ok=True)
    for f in (src / "prompts").iterdir():
        (tmp_path / "prompts" / f.name).write_bytes(f.read_bytes())
    target = tmp_path / "cdeops.yaml"
    target.write_text(text)
    return target


@pytest.mark.parametrize("cloud", sorted(CLOUD_POOL))
def test_root_module_calls_the_shipped_module(tmp_path: Path, cloud: str) -> None:
    files = render_files(load_policy(_policy_for(tmp_path, cloud)), __version__)
    root = files["terraform/gpu-pools/main.tf"].decode()
    module_dir = f"{cloud}-gpu-pool"
    shipped = sorted(p.name for p in (REPO / "terraform" / "modules" / module_dir).iterdir())
    copied = sorted(p.rsplit("/", 1)[1] for p in files if p.startswith(f"terraform/modules/{module_dir}/"))
    assert copied == shipped
    tf = {p: d.decode() for p, d in files.items() if p.startswith("terraform/") and p.endswith(".tf")}
    assert format_check(tf) == {}
    findings = [f for p, t in tf.items() for f in check_terraform_text(t, p)]
    assert [str(f) for f in findings if f.severity == "error"] == []
    variables = load_tf(files[f"terraform/modules/{module_dir}/variables.tf"].decode())["variable"]
    declared = {name: body for v in variables for name, body in v.items()}
    required = {n for n, body in declared.items() if "default" not in body}
    calls = load_tf(root)["module"]
    assert calls
    for call in calls:
        for name, body in call.items():
            args = set(body) - {"source", "__is_block__"}
            assert args <= set(declared), (name, args - set(declared))
            assert required <= args, (name, required - args)
            assert body["source"] == f"../modules/{module_dir}"


def test_karpenter_objects_validate_against_crds(tmp_path: Path) -> None:
    files = render_files(load_policy(_policy_for(tmp_path, "eks")), __version__)
    objects = [o for o in yaml.safe_load_all(files["kubernetes/karpenter.yaml"]) if o]
    assert {o["kind"] for o in objects} == {"NodePool", "EC2NodeClass"}
    for obj in objects:
        group = obj["apiVersion"].split("/")[0]
        schema = json.loads(
            (REPO / "cdeops" / "data" / "crd_schemas" / group / f"{obj['kind'].lower()}_v1.json").read_text()
        )
        jsonschema.validate(obj, schema)
    pool = next(o for o in objects if o["kind"] == "NodePool")
    assert pool["spec"]["template"]["spec"]["taints"][0]["key"] == "nvidia.com/gpu"
    assert pool["spec"]["disruption"]["consolidationPolicy"] == "WhenEmpty"
    node_class = next(o for o in objects if o["kind"] == "EC2NodeClass")
    assert node_class["spec"]["tags"]["cdeops-gpu-pool"] == "gpu-l4-burst"


def test_karpenter_only_on_eks(tmp_path: Path) -> None:
    path = _policy_for(tmp_path, "gke")
    path.write_text(
        path.read_text().replace("spot: true\n    provisioner: managed", "spot: true\n    provisioner: karpenter")
    )
    with pytest.raises(PolicyError, match="karpenter pools are supported on eks only"):
        load_policy(path)


POOL_24 = GpuPool(name="l4", instance_type="g6.2xlarge", accelerator="nvidia-l4", gpu_memory_gb=24)
POOL_80 = GpuPool(
    name="h100", instance_type="p5.48xlarge", accelerator="nvidia-h100", gpus_per_node=8, gpu_memory_gb=80
)


@pytest.mark.parametrize(
    ("model", "pool", "gpus", "dtype", "max_len", "fits"),
    [
        ("meta-llama/Llama-3.1-8B-Instruct", POOL_24, 1, "bfloat16", 8192, True),
        ("meta-llama/Llama-3.1-8B-Instruct", POOL_24, 1, "bfloat16", 131072, False),
        ("meta-llama/Llama-3.1-70B-Instruct", POOL_24, 1, "bfloat16", 8192, False),
        ("meta-llama/Llama-3.1-70B-Instruct", POOL_80, 4, "bfloat16", 8192, True),
        ("meta-llama/Llama-3.3-70B-Instruct", POOL_80, 1, "awq", 8192, True),
        ("mistralai/Mistral-7B-Instruct-v0.3", POOL_24, 1, "bfloat16", 16384, True),
        ("mistralai/Mixtral-8x7B-Instruct-v0.1", POOL_80, 2, "bfloat16", 8192, True),
        ("mistralai/Mixtral-8x7B-Instruct-v0.1", POOL_24, 1, "bfloat16", 8192, False),
    ],
)
def test_sizing_of_known_models(model: str, pool: GpuPool, gpus: int, dtype: str, max_len: int, fits: bool) -> None:
    inf = Inference.model_validate(
        {
            "name": "m",
            "model": model,
            "pool": pool.name,
            "gpus_per_replica": gpus,
            "dtype": dtype,
            "max_model_len": max_len,
        }
    )
    arch = architecture_of(inf)
    assert arch is not None
    assert estimate_fit(inf, pool, arch).fits is fits


def test_known_table_heads_are_tp_friendly() -> None:
    for arch in KNOWN_ARCHITECTURES.values():
        assert arch.attention_heads % 8 == 0 and arch.attention_heads % arch.kv_heads == 0


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("max_model_len: 8192", "max_model_len: 262144", "does not fit"),
        ("gpus_per_replica: 1\n    replicas: 2", "gpus_per_replica: 2\n    replicas: 2", "within one node"),
        ("model: meta-llama/Llama-3.1-8B-Instruct", "model: acme/secret-model-13b", "does not know the shape"),
        (
            "model: meta-llama/Llama-3.1-8B-Instruct",
            "model: acme/odd-13b\n    architecture: {params_b: 13, layers: 40, attention_heads: 40, kv_heads: 8,"
            " head_dim: 128}\n    dtype: awq",
            None,
        ),
    ],
    ids=["too-long-context", "tp-larger-than-node", "unknown-model", "unknown-model-with-architecture"],
)
def test_sizing_in_validate(tmp_path: Path, old: str, new: str, message: str | None) -> None:
    path = _policy_for(tmp_path, "eks")
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))
    if message is None:
        load_policy(path)
        return
    with pytest.raises(PolicyError) as info:
        load_policy(path)
    assert message in str(info.value) and "inference[0]" in str(info.value)


def test_tensor_parallel_must_divide_heads(tmp_path: Path) -> None:
    path = _policy_for(tmp_path, "eks")
    text = path.read_text().replace(
        "gpus_per_node: 1\n    gpu_memory_gb: 24\n    min_nodes: 0\n    max_nodes: 4",
        "gpus_per_node: 8\n    gpu_memory_gb: 24\n    min_nodes: 0\n    max_nodes: 4",
    )
    text = text.replace(
        "model: meta-llama/Llama-3.1-8B-Instruct",
        "model: acme/odd-13b\n    architecture: {params_b: 13, layers: 40, attention_heads: 40, kv_heads: 8,"
        " head_dim: 128}",
    )
    text = text.replace("gpus_per_replica: 1\n    replicas: 2", "gpus_per_replica: 3\n    replicas: 2")
    path.write_text(text)
    with pytest.raises(PolicyError, match="does not divide"):
        load_policy(path)
