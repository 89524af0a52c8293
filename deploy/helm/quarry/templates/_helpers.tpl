{{/*
Named templates shared by the coordinator and worker objects: names, labels,
the rendered quarry config, and the pod parts both Deployments share
(security context, secret references, volumes, probes).
*/}}

{{- define "quarry.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "quarry.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "quarry.coordinatorName" -}}
{{- printf "%s-coordinator" (include "quarry.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "quarry.workerName" -}}
{{- printf "%s-worker" (include "quarry.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "quarry.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "quarry.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "quarry.adminSecretName" -}}
{{- default (printf "%s-admin" (include "quarry.fullname" .)) .Values.admin.existingSecret }}
{{- end }}

{{- define "quarry.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* Selector labels; "component" is coordinator or worker. */}}
{{- define "quarry.selectorLabels" -}}
app.kubernetes.io/name: {{ include "quarry.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "quarry.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" }}
{{ include "quarry.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
{{- end }}

{{/* Labels of objects that belong to the release as a whole. */}}
{{- define "quarry.commonLabels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "quarry.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/*
The quarry config file: the user's config with the settings the chart owns
forced (where quarry listens, where workers join, no tasks in the
coordinator, the admin token from QUARRY_ADMIN_TOKEN).
*/}}
{{- define "quarry.configJson" -}}
{{- $config := deepCopy .Values.config }}
{{- $telemetry := default dict $config.telemetry }}
{{- $_ := set $telemetry "listen" (printf "0.0.0.0:%d" (int .Values.ports.http)) }}
{{- $_ := set $config "telemetry" $telemetry }}
{{- $serve := default dict $config.serve }}
{{- $_ := set $serve "cluster_listen" (printf "0.0.0.0:%d" (int .Values.ports.cluster)) }}
{{- $_ := set $serve "local_workers" 0 }}
{{- $_ := set $serve "admin_token" (dict "env" "QUARRY_ADMIN_TOKEN") }}
{{- $_ := set $config "serve" $serve }}
{{- if not $config.engine }}{{- $_ := unset $config "engine" }}{{- end }}
{{- toPrettyJson $config }}
{{- end }}

{{/* How long a pod may take to stop: quarry's grace period plus a margin. */}}
{{- define "quarry.terminationGracePeriod" -}}
{{- $serve := default dict .Values.config.serve }}
{{- add (int (default 30 $serve.grace_period_s)) 15 }}
{{- end }}

{{- define "quarry.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
fsGroup: 65532
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{- define "quarry.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
privileged: false
capabilities:
  drop: [ALL]
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/* Every secret reaches a container through one of these. */}}
{{- define "quarry.env" -}}
- name: QUARRY_ADMIN_TOKEN
  valueFrom:
    secretKeyRef:
      name: {{ include "quarry.adminSecretName" . }}
      key: {{ .Values.admin.tokenKey }}
{{- range .Values.secretEnv }}
- name: {{ .name }}
  valueFrom:
    secretKeyRef:
      name: {{ .secretName }}
      key: {{ .key }}
{{- end }}
{{- end }}

{{- define "quarry.volumeMounts" -}}
- name: config
  mountPath: /etc/quarry
  readOnly: true
- name: tmp
  mountPath: /tmp
{{- range $i, $f := .Values.secretFiles }}
- name: secret-{{ $i }}
  mountPath: {{ $f.mountPath }}
  readOnly: true
{{- end }}
{{- if .Values.writableCredentials.enabled }}
- name: writable-credentials
  mountPath: {{ .Values.writableCredentials.mountPath }}
{{- end }}
{{- end }}

{{- define "quarry.volumes" -}}
- name: config
  configMap:
    name: {{ include "quarry.fullname" . }}
- name: tmp
  emptyDir: {}
{{- range $i, $f := .Values.secretFiles }}
- name: secret-{{ $i }}
  secret:
    secretName: {{ $f.secretName }}
    defaultMode: 0440
{{- end }}
{{- with .Values.writableCredentials }}
{{- if .enabled }}
- name: writable-credentials
{{- if eq .type "persistentVolumeClaim" }}
  persistentVolumeClaim:
    claimName: {{ required "writableCredentials.existingClaim is required when type is persistentVolumeClaim" .existingClaim }}
{{- else }}
  emptyDir: {}
{{- end }}
{{- if .seed.secretName }}
- name: credentials-seed
  secret:
    secretName: {{ .seed.secretName }}
    defaultMode: 0440
{{- end }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Copies the seed Secret's files into the writable credentials directory,
keeping files already there (a rotated token must not be overwritten by its
dead predecessor).
*/}}
{{- define "quarry.initContainers" -}}
{{- with .Values.writableCredentials }}
{{- if and .enabled .seed.secretName }}
initContainers:
  - name: seed-credentials
    image: {{ .seed.image }}
    imagePullPolicy: IfNotPresent
    command: ["sh", "-c", "cp -n /seed/* {{ .mountPath }}/ && chmod 0600 {{ .mountPath }}/*"]
    securityContext:
      {{- include "quarry.containerSecurityContext" $ | nindent 6 }}
    resources:
      {{- toYaml .seed.resources | nindent 6 }}
    volumeMounts:
      - name: credentials-seed
        mountPath: /seed
        readOnly: true
      - name: writable-credentials
        mountPath: {{ .mountPath }}
{{- end }}
{{- end }}
{{- end }}

{{- define "quarry.probes" -}}
livenessProbe:
  httpGet:
    path: /healthz
    port: http
  initialDelaySeconds: 5
  periodSeconds: 10
  timeoutSeconds: 3
  failureThreshold: 6
readinessProbe:
  httpGet:
    path: /readyz
    port: http
  periodSeconds: 5
  timeoutSeconds: 3
  failureThreshold: 3
{{- end }}

{{/* Pod annotations: a changed config rolls the pods. */}}
{{- define "quarry.podAnnotations" -}}
checksum/config: {{ include "quarry.configJson" . | sha256sum }}
{{- with .Values.podAnnotations }}
{{ toYaml . }}
{{- end }}
{{- end }}
