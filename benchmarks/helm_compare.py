"""A throwaway Helm chart that emits N Kubernetes objects, to time ``helm template`` beside ``cdeops render``.

The chart's one template loops ``range`` over a values list (one team name per object) and emits,
alternately, a ConfigMap and a NetworkPolicy per entry. Shared values (egress rules, data keys) are
sized so that the average emitted object has about as many bytes as the average object cdeops renders.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

__all__ = ["HelmChart", "find_helm", "make_chart"]

_CHART = """apiVersion: v2
name: bench-objects
description: Throwaway chart for the cdeops benchmark.
type: application
version: 0.1.0
"""

_TEMPLATE = """{{- range $i, $team := .Values.objects }}
---
{{- if eq (mod $i 2) 0 }}
apiVersion: v1
kind: ConfigMap
{{- else }}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
{{- end }}
metadata:
  name: object-{{ $i }}
  namespace: ws-{{ $team }}
  labels:
    {{- range $k, $v := $.Values.labels }}
    {{ $k }}: {{ $v | quote }}
    {{- end }}
    cdeops.io/team: {{ $team | quote }}
{{- if eq (mod $i 2) 0 }}
data:
  {{- range $k, $v := $.Values.data }}
  {{ $k }}: {{ $v | quote }}
  {{- end }}
{{- else }}
spec:
  podSelector:
    matchLabels:
      cdeops.io/team: {{ $team | quote }}
  policyTypes:
    - Egress
  egress:
    {{- range $.Values.egress }}
    - to:
        - ipBlock:
            cidr: {{ .cidr }}
      ports:
        - port: {{ .port }}
          protocol: TCP
    {{- end }}
{{- end }}
{{- end }}
"""

_LABELS = {
    "app.kubernetes.io/managed-by": "bench",
    "cdeops.io/org": "bench",
}


def find_helm(repo: Path) -> Path | None:
    """The test tools' Helm (``.tools/bin/helm``, see scripts/install_test_tools.py), else one on PATH."""
    local = repo / ".tools" / "bin" / "helm"
    if local.is_file() and os.access(local, os.X_OK):
        return local
    found = shutil.which("helm")
    return Path(found) if found else None


@dataclass(frozen=True)
class HelmChart:
    folder: Path
    objects: int

    def command(self, helm: Path) -> list[str]:
        return [str(helm), "template", "bench", str(self.folder)]


def _values(objects: int, rules: int) -> dict[str, object]:
    teams = max(1, objects // 37)
    return {
        "labels": _LABELS,
        "data": {f"key-{k:02d}": f"value {k} for the benchmark" for k in range(rules)},
        "egress": [{"cidr": f"10.{40 + k // 250}.{k % 250}.0/24", "port": 443} for k in range(rules)],
        # one entry per object: its team (Helm refuses values files over 5 MiB, so keep entries short)
        "objects": [f"team-{i % teams:04d}" for i in range(objects)],
    }


def _write(folder: Path, objects: int, rules: int) -> HelmChart:
    (folder / "templates").mkdir(parents=True, exist_ok=True)
    (folder / "Chart.yaml").write_text(_CHART)
    (folder / "templates" / "objects.yaml").write_text(_TEMPLATE)
    # JSON is valid YAML; Helm reads values.yaml with a YAML parser either way
    (folder / "values.yaml").write_text(json.dumps(_values(objects, rules), separators=(",", ":")) + "\n")
    return HelmChart(folder, objects)


def _average_size(helm: Path, chart: HelmChart) -> float:
    done = subprocess.run(chart.command(helm), capture_output=True, check=True)
    docs = [d for d in done.stdout.split(b"\n---") if b"kind:" in d]
    return sum(len(d) for d in docs) / max(1, len(docs))


def make_chart(folder: Path, helm: Path, objects: int, target_bytes: float) -> tuple[HelmChart, float]:
    """Write the chart for ``objects`` objects of about ``target_bytes`` each; returns it and the size reached."""
    # calibrate: object size grows linearly with the number of shared rules/data keys
    base = _average_size(helm, _write(folder, 20, 0))
    per_rule = max(1.0, (_average_size(helm, _write(folder, 20, 10)) - base) / 10)
    rules = max(0, round((target_bytes - base) / per_rule))
    chart = _write(folder, objects, rules)
    return chart, base + rules * per_rule
