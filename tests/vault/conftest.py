"""A real Vault-API server per test: OpenBao's dev server on 127.0.0.1, or (opt-in) HashiCorp Vault.

``vault_setup`` gives every test a fresh, complete set-up: a KV v2 mount, a Kubernetes auth mount
(configured with a dummy API server; it is only contacted on login), every secret the example policy
references (each holding a recognisable planted value) and the rendered policies and roles, written by
``cdeops vault sync``'s library call. Mount and org names are random, so the opt-in run against a shared
HashiCorp Vault (``VAULT_ADDR`` + ``VAULT_TOKEN``, marker ``realvault``) neither collides nor leaves
anything behind.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import secrets
import shutil
import signal
import ssl
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import hvac
import pytest
import yaml

from cdeops.policy.document import Policy
from cdeops.policy.loader import LoadedPolicy, load_policy
from cdeops.vault.client import VaultClient, VaultSettings
from cdeops.vault.sync import sync_vault
from cdeops.views.vault_policies import VaultPlan, vault_plan
from tests.support.tools import bao_binary, free_port, repo_root

SERVER_LIFETIME_SECONDS = 600  # a server outliving its test is killed by a watchdog
READY_TIMEOUT_SECONDS = 20
DUMMY_CA = Path(__file__).parent / "data" / "dummy-kubernetes-ca.pem"
EXAMPLE = repo_root() / "examples" / "eks-cilium"


@dataclass(frozen=True)
class VaultServer:
    kind: str  # "openbao" or "vault"
    address: str
    token: str

    def hvac(self, token: str | None = None) -> hvac.Client:
        return hvac.Client(url=self.address, token=token or self.token, timeout=30)


@dataclass(frozen=True)
class VaultSetup:
    server: VaultServer
    policy_file: Path
    loaded: LoadedPolicy
    plan: VaultPlan
    planted: str  # the value every secret holds; must never appear in any output
    root: hvac.Client

    @property
    def policy(self) -> Policy:
        return self.loaded.policy

    def client(self) -> VaultClient:
        return VaultClient(VaultSettings(address=self.server.address, token=self.server.token))

    def env(self) -> dict[str, str | None]:
        """Environment for the CLI: this server and token, nothing inherited."""
        return {
            "VAULT_ADDR": self.server.address,
            "VAULT_TOKEN": self.server.token,
            "VAULT_NAMESPACE": None,
            "VAULT_CACERT": None,
        }


def _die_with_parent() -> None:  # pragma: no cover - runs in the child
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _wait_ready(address: str, proc: subprocess.Popen[bytes], log: Path, ca: Path | None) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    context = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"bao exited with {proc.returncode}:\n{log.read_text(errors='replace')[-2000:]}")
        if ca is not None and context is None:
            try:  # the dev server writes its CA file while starting
                context = ssl.create_default_context(cafile=str(ca))
            except (OSError, ssl.SSLError):
                time.sleep(0.05)
                continue
        try:
            with urllib.request.urlopen(f"{address}/v1/sys/health", timeout=1, context=context) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.05)
    raise RuntimeError(f"bao did not become ready in {READY_TIMEOUT_SECONDS}s")


@contextmanager
def _run_bao(tmp_path: Path, *, tls: bool = False) -> Iterator[VaultServer]:
    """``bao server -dev`` on a free 127.0.0.1 port with a random root token, stopped on exit.

    With ``tls`` the dev server serves HTTPS with a CA it writes to ``tmp_path/bao-tls/vault-ca.pem``.
    """
    binary = bao_binary()
    port = free_port()
    token = secrets.token_hex(16)
    home = tmp_path / "bao-home"  # the dev server writes ~/.vault-token; keep it out of the real home
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VAULT_", "BAO_"))}
    env["HOME"] = str(home)
    args = [str(binary), "server", "-dev", f"-dev-root-token-id={token}", f"-dev-listen-address=127.0.0.1:{port}"]
    if tls:
        (tmp_path / "bao-tls").mkdir()
        args += ["-dev-tls", f"-dev-tls-cert-dir={tmp_path / 'bao-tls'}"]
    log = tmp_path / "bao.log"
    address = f"{'https' if tls else 'http'}://127.0.0.1:{port}"
    with log.open("wb") as sink:
        proc = subprocess.Popen(
            args,
            stdout=sink,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            preexec_fn=_die_with_parent,
        )
    watchdog = threading.Timer(SERVER_LIFETIME_SECONDS, proc.kill)
    watchdog.daemon = True
    watchdog.start()
    try:
        _wait_ready(address, proc, log, ca=tmp_path / "bao-tls" / "vault-ca.pem" if tls else None)
        yield VaultServer("openbao", address, token)
    finally:
        watchdog.cancel()
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture
def bao_server(tmp_path: Path) -> Iterator[VaultServer]:
    with _run_bao(tmp_path) as server:
        yield server


@pytest.fixture
def bao_tls_server(tmp_path: Path) -> Iterator[tuple[VaultServer, Path]]:
    """An HTTPS dev server and the file of the CA that signed its certificate."""
    with _run_bao(tmp_path, tls=True) as server:
        yield server, tmp_path / "bao-tls" / "vault-ca.pem"


@pytest.fixture(params=["openbao", pytest.param("vault", marks=pytest.mark.realvault)])
def vault_server(request: pytest.FixtureRequest) -> VaultServer:
    if request.param == "openbao":
        server: VaultServer = request.getfixturevalue("bao_server")
        return server
    address, token = os.environ.get("VAULT_ADDR"), os.environ.get("VAULT_TOKEN")
    if not (address and token):
        pytest.skip("set VAULT_ADDR and VAULT_TOKEN to run the suite against HashiCorp Vault too")
    return VaultServer("vault", address.rstrip("/"), token)


def write_policy_file(folder: Path, changes: dict[str, Any]) -> Path:
    """A copy of the eks-cilium example (prompts included) with ``changes`` merged into its ``vault``
    and ``metadata`` sections."""
    shutil.copytree(EXAMPLE, folder, dirs_exist_ok=True)
    path = folder / "cdeops.yaml"
    doc = yaml.safe_load(path.read_text())
    for section, values in changes.items():
        doc[section] = {**doc.get(section, {}), **values}
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


@pytest.fixture
def vault_setup(vault_server: VaultServer, tmp_path: Path) -> Iterator[VaultSetup]:
    suffix = secrets.token_hex(3)
    kv_mount = f"cdeops-kv-{suffix}"
    auth_mount = f"cdeops-k8s-{suffix}"
    policy_file = write_policy_file(
        tmp_path / "policy",
        {"metadata": {"org": f"t{suffix}"}, "vault": {"kv_mount": kv_mount, "auth_mount": auth_mount}},
    )
    loaded = load_policy(policy_file)
    plan = vault_plan(loaded.policy)
    planted = f"PLANTED-{secrets.token_hex(8)}-VALUE"
    root = vault_server.hvac()
    root.sys.enable_secrets_engine("kv", path=kv_mount, options={"version": "2"})
    root.sys.enable_auth_method("kubernetes", path=auth_mount)
    try:
        root.auth.kubernetes.configure(
            kubernetes_host="https://127.0.0.1:6443",
            kubernetes_ca_cert=DUMMY_CA.read_text(),
            disable_local_ca_jwt=True,
            mount_point=auth_mount,
        )
        fields: dict[str, dict[str, str]] = {}
        for ref in plan.secrets:  # one write per path: several fields may share it (the gateway's secrets)
            fields.setdefault(ref.path, {})[ref.key] = planted
        for path, data in fields.items():
            root.secrets.kv.v2.create_or_update_secret(path=path, secret=data, mount_point=kv_mount)
        setup = VaultSetup(vault_server, policy_file, loaded, plan, planted, root)
        sync_vault(plan, setup.client())
        yield setup
    finally:
        if vault_server.kind == "vault":  # a shared server: remove everything this test made
            for acl in plan.policies:
                root.sys.delete_policy(acl.name)
            root.sys.disable_auth_method(auth_mount)
            root.sys.disable_secrets_engine(kv_mount)


def with_policy(setup: VaultSetup, policy: Policy) -> VaultSetup:
    return replace(setup, loaded=replace(setup.loaded, policy=policy), plan=vault_plan(policy))
