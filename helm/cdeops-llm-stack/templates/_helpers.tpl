{{/*
Shared helpers of the cdeops LLM stack chart.
*/}}

{{- define "llmstack.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* A string made safe as a label value: invalid characters become "-", at most 63 characters. */}}
{{- define "llmstack.labelValue" -}}
{{- regexReplaceAll "[^A-Za-z0-9_.-]" (toString .) "-" | trunc 63 | trimAll "-_." -}}
{{- end -}}

{{/* The gateway image dict (JSON): gateway.image, or the engine's default image. */}}
{{- define "llmstack.gatewayImage" -}}
{{- $gw := .Values.gateway -}}
{{- if $gw.image.repository -}}
{{- toJson $gw.image -}}
{{- else -}}
{{- toJson (index $gw.defaultImages $gw.engine) -}}
{{- end -}}
{{- end -}}

{{- define "llmstack.gatewayNamespace" -}}
{{- .Values.gateway.namespace | default .Release.Namespace -}}
{{- end -}}

{{- define "llmstack.inferenceNamespace" -}}
{{- .Values.inference.namespace | default .Release.Namespace -}}
{{- end -}}

{{/* Image reference: repository[:tag][@digest]. Argument: an image dict. */}}
{{- define "llmstack.image" -}}
{{- $ref := .repository -}}
{{- if .tag }}{{ $ref = printf "%s:%s" $ref (toString .tag) }}{{ end -}}
{{- if .digest }}{{ $ref = printf "%s@%s" $ref .digest }}{{ end -}}
{{- $ref -}}
{{- end -}}

{{/* app.kubernetes.io/version value for an image dict: its tag, else the start of its digest. */}}
{{- define "llmstack.imageVersion" -}}
{{- if .tag -}}
{{- include "llmstack.labelValue" .tag -}}
{{- else -}}
{{- include "llmstack.labelValue" (.digest | trimPrefix "sha256:" | trunc 12) -}}
{{- end -}}
{{- end -}}

{{/*
Selector labels. Argument: dict root, name, component, and optional extra (map).
*/}}
{{- define "llmstack.selectorLabels" -}}
{{- $l := dict "app.kubernetes.io/name" .name "app.kubernetes.io/instance" .root.Release.Name "app.kubernetes.io/component" .component -}}
{{- range $k, $v := (.extra | default dict) }}{{ $_ := set $l $k (toString $v) }}{{ end -}}
{{- toYaml $l -}}
{{- end -}}

{{/*
All labels of an object: the global cost labels, per-component labels, then the standard
app.kubernetes.io labels (which win). Argument: dict root, name, component, version (optional),
extra (optional map, selector-relevant), labels (optional map of user labels).
*/}}
{{- define "llmstack.labels" -}}
{{- $root := .root -}}
{{- $l := dict -}}
{{- range $k, $v := $root.Values.global.labels }}{{ $_ := set $l $k (toString $v) }}{{ end -}}
{{- with $root.Values.global.org }}{{ $_ := set $l "cdeops.io/org" (include "llmstack.labelValue" .) }}{{ end -}}
{{- with $root.Values.global.environment }}{{ $_ := set $l "env" (include "llmstack.labelValue" .) }}{{ end -}}
{{- range $k, $v := (.labels | default dict) }}{{ $_ := set $l $k (toString $v) }}{{ end -}}
{{- range $k, $v := (.extra | default dict) }}{{ $_ := set $l $k (toString $v) }}{{ end -}}
{{- $_ := set $l "app.kubernetes.io/name" .name -}}
{{- $_ := set $l "app.kubernetes.io/instance" $root.Release.Name -}}
{{- $_ := set $l "app.kubernetes.io/component" .component -}}
{{- $_ := set $l "app.kubernetes.io/part-of" "cdeops" -}}
{{- $_ := set $l "app.kubernetes.io/managed-by" $root.Release.Service -}}
{{- $_ := set $l "app.kubernetes.io/version" (.version | default (include "llmstack.labelValue" $root.Chart.AppVersion)) -}}
{{- $_ := set $l "helm.sh/chart" (include "llmstack.chart" $root) -}}
{{- toYaml $l -}}
{{- end -}}

{{/* Pod-level security context (Pod Security "restricted"). Argument: uid. */}}
{{- define "llmstack.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ . }}
runAsGroup: {{ . }}
fsGroup: {{ . }}
fsGroupChangePolicy: OnRootMismatch
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* Container-level security context. Argument: dict uid, readOnly. */}}
{{- define "llmstack.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .uid }}
runAsGroup: {{ .uid }}
allowPrivilegeEscalation: false
privileged: false
readOnlyRootFilesystem: {{ .readOnly }}
capabilities:
  drop:
    - ALL
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "llmstack.imagePullSecrets" -}}
{{- with .Values.global.imagePullSecrets }}
imagePullSecrets:
{{- range . }}
  - name: {{ . }}
{{- end }}
{{- end }}
{{- end -}}

{{/*
Parse a Vault reference "<mount>/data/<path>#<field>" (KV v2). Returns JSON with
mount, path (below the mount, without data/), field, apiPath (<mount>/data/<path>).
*/}}
{{- define "llmstack.vaultRef" -}}
{{- $parts := splitList "#" . -}}
{{- if ne (len $parts) 2 }}{{ fail (printf "Vault reference %q must look like <mount>/data/<path>#<field>" .) }}{{ end -}}
{{- $apiPath := index $parts 0 -}}
{{- $halves := regexSplit "/data/" $apiPath 2 -}}
{{- if ne (len $halves) 2 }}{{ fail (printf "Vault reference %q must contain /data/ (KV v2)" .) }}{{ end -}}
{{- dict "mount" (index $halves 0) "path" (index $halves 1) "field" (index $parts 1) "apiPath" $apiPath | toJson -}}
{{- end -}}

{{/* File name under /vault/secrets for an environment variable: ANTHROPIC_API_KEY -> anthropic-api-key. */}}
{{- define "llmstack.vaultFileName" -}}
{{- . | lower | replace "_" "-" -}}
{{- end -}}

{{/* Labels that identify gateway pods (used by NetworkPolicies). */}}
{{- define "llmstack.gatewayPodSelector" -}}
{{- include "llmstack.selectorLabels" (dict "root" . "name" .Values.gateway.name "component" "gateway") -}}
{{- end -}}

{{/* Labels that identify all vLLM pods of this release. */}}
{{- define "llmstack.inferencePodSelector" -}}
{{- include "llmstack.selectorLabels" (dict "root" . "name" "vllm" "component" "inference") -}}
{{- end -}}

{{/* Name of the gateway keys Secret created by ESO or used as existingSecret. */}}
{{- define "llmstack.gatewayKeysSecret" -}}
{{- .Values.gateway.secretFromVault.existingSecret | default (printf "%s-keys" .Values.gateway.name) -}}
{{- end -}}

{{/*
Distinct KV paths of the gateway's Vault references, in a stable order. Returns JSON:
{"<mount>/data/<path>": {"mount":..., "path":..., "fields": {ENV: field}}}.
*/}}
{{- define "llmstack.vaultPathGroups" -}}
{{- $groups := dict -}}
{{- range $env, $ref := .Values.gateway.secretFromVault.paths -}}
{{- $r := include "llmstack.vaultRef" $ref | fromJson -}}
{{- $g := get $groups $r.apiPath | default (dict "mount" $r.mount "path" $r.path "fields" dict) -}}
{{- $_ := set $g.fields $env $r.field -}}
{{- $_ := set $groups $r.apiPath $g -}}
{{- end -}}
{{- toJson $groups -}}
{{- end -}}

{{/* Name of the VSO VaultStaticSecret / destination Secret for one KV path. */}}
{{- define "llmstack.vsoSecretName" -}}
{{- printf "%s-vault-%s" .name (sha256sum .apiPath | trunc 10) -}}
{{- end -}}
