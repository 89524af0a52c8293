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
TLS and the cluster port. The Secret holding tls.crt, tls.key and ca.crt:
tls.existingSecret, else the one the cert-manager Certificate writes; "" when
there is none. Worker pods exist when worker.replicas > 0 or the autoscaler is
on; they need TLS, since quarry serves the cluster port only with it.
*/}}
{{- define "quarry.tlsSecretName" -}}
{{- if .Values.tls.existingSecret }}
{{- .Values.tls.existingSecret }}
{{- else if .Values.tls.certManager.enabled }}
{{- printf "%s-cluster-tls" (include "quarry.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "quarry.workerPods" -}}
{{- if or .Values.worker.autoscaling.enabled (gt (int .Values.worker.replicas) 0) }}true{{ end }}
{{- end }}

{{/* "true" when the coordinator opens the cluster port (and the worker objects exist). */}}
{{- define "quarry.cluster" -}}
{{- if include "quarry.tlsSecretName" . }}true{{ end }}
{{- end }}

{{/* Fails rendering, saying what to set, when the values cannot work. */}}
{{- define "quarry.validate" -}}
{{- if and (include "quarry.workerPods" .) (not (include "quarry.cluster" .)) }}
{{- fail "worker pods join the coordinator over mutual TLS (quarry serves no cluster port without it): set tls.existingSecret to a Secret holding tls.crt, tls.key and ca.crt, or tls.certManager.enabled=true with tls.certManager.issuerRef.name (a CA issuer); or set worker.replicas=0 (and worker.autoscaling.enabled=false) to run every task in the coordinator" }}
{{- end }}
{{- if and .Values.tls.certManager.enabled (not .Values.tls.certManager.issuerRef.name) }}
{{- fail "tls.certManager.enabled needs tls.certManager.issuerRef.name: the cert-manager Issuer (or ClusterIssuer, with issuerRef.kind) of a CA dedicated to this release" }}
{{- end }}
{{- end }}

{{- define "quarry.tlsConfig" -}}
{{- $dir := trimSuffix "/" .Values.tls.mountPath }}
{{- dict "ca" (printf "%s/ca.crt" $dir) "cert" (printf "%s/tls.crt" $dir) "key" (dict "file" (printf "%s/tls.key" $dir)) | toJson }}
{{- end }}

{{/*
The quarry config file: the user's config with the settings the chart owns
forced (where quarry listens, the admin token from QUARRY_ADMIN_TOKEN; with
TLS, where workers join, serve.tls and worker.tls on the mounted Secret, and
with worker pods no tasks in the coordinator unless config.serve.local_workers
says otherwise).
*/}}
{{- define "quarry.configJson" -}}
{{- $config := deepCopy .Values.config }}
{{- $telemetry := default dict $config.telemetry }}
{{- $_ := set $telemetry "listen" (printf "0.0.0.0:%d" (int .Values.ports.http)) }}
{{- $_ := set $config "telemetry" $telemetry }}
{{- $serve := default dict $config.serve }}
{{- $_ := set $serve "admin_token" (dict "env" "QUARRY_ADMIN_TOKEN") }}
{{- if include "quarry.cluster" . }}
{{- $tls := include "quarry.tlsConfig" . | fromJson }}
{{- $_ := set $serve "cluster_listen" (printf "0.0.0.0:%d" (int .Values.ports.cluster)) }}
{{- $_ := set $serve "tls" $tls }}
{{- $_ := set $config "worker" (dict "tls" $tls) }}
{{- if and (include "quarry.workerPods" .) (not (hasKey $serve "local_workers")) }}
{{- $_ := set $serve "local_workers" 0 }}
{{- end }}
{{- end }}
{{- $_ := set $config "serve" $serve }}
{{- if not $config.engine }}{{- $_ := unset $config "engine" }}{{- end }}
{{- toPrettyJson $config }}
{{- end }}

{{/* How long a pod may take to stop: quarry's grace period plus a margin. */}}
{{- define "quarry.terminationGracePeriod" -}}
{{- $serve := default dict .Values.config.serve }}
{{- add (int (default 30 $serve.grace_period_s)) 15 }}
{{- end }}

{{/* The security contexts: the top-level values, the component's merged over them. */}}
{{- define "quarry.podSecurityContext" -}}
{{- $own := default dict (get (get .root.Values .component) "podSecurityContext") }}
{{- toYaml (mergeOverwrite (deepCopy .root.Values.podSecurityContext) $own) }}
{{- end }}

{{- define "quarry.containerSecurityContext" -}}
{{- $own := default dict (get (get .root.Values .component) "securityContext") }}
{{- toYaml (mergeOverwrite (deepCopy .root.Values.securityContext) $own) }}
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
{{- if include "quarry.cluster" . }}
- name: cluster-tls
  mountPath: {{ .Values.tls.mountPath }}
  readOnly: true
{{- end }}
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
{{- if include "quarry.cluster" . }}
- name: cluster-tls
  secret:
    secretName: {{ include "quarry.tlsSecretName" . }}
    defaultMode: 0440
{{- end }}
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
dead predecessor). Takes (dict "root" . "component" NAME).
*/}}
{{- define "quarry.initContainers" -}}
{{- with .root.Values.writableCredentials }}
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

{{/*
The pod template both Deployments share. Takes (dict "root" . "component"
NAME "args" LIST "ports" LIST): the component's values (coordinator or
worker) add the escape hatches: extraEnv, extraVolumes, extraVolumeMounts,
security contexts, podAnnotations, podLabels, nodeSelector, tolerations,
affinity, topologySpreadConstraints, priorityClassName. A changed config
rolls the pods (checksum/config).
*/}}
{{- define "quarry.podTemplate" -}}
{{- $root := .root }}
{{- $own := get $root.Values .component }}
metadata:
  labels:
    {{- include "quarry.labels" . | nindent 4 }}
    {{- with mergeOverwrite (deepCopy (default dict $root.Values.podLabels)) (default dict $own.podLabels) }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  annotations:
    checksum/config: {{ include "quarry.configJson" $root | sha256sum }}
    {{- with mergeOverwrite (deepCopy (default dict $root.Values.podAnnotations)) (default dict $own.podAnnotations) }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  serviceAccountName: {{ include "quarry.serviceAccountName" $root }}
  automountServiceAccountToken: false
  {{- with $root.Values.imagePullSecrets }}
  imagePullSecrets:
    {{- range . }}
    - name: {{ . }}
    {{- end }}
  {{- end }}
  {{- with $own.priorityClassName }}
  priorityClassName: {{ . }}
  {{- end }}
  terminationGracePeriodSeconds: {{ include "quarry.terminationGracePeriod" $root }}
  securityContext:
    {{- include "quarry.podSecurityContext" . | nindent 4 }}
  {{- with include "quarry.initContainers" . | trim }}
  {{- . | nindent 2 }}
  {{- end }}
  containers:
    - name: {{ .component }}
      image: {{ include "quarry.image" $root }}
      imagePullPolicy: {{ $root.Values.image.pullPolicy }}
      args:
        {{- toYaml .args | nindent 8 }}
      ports:
        {{- toYaml .ports | nindent 8 }}
      env:
        {{- include "quarry.env" $root | nindent 8 }}
        {{- with $own.extraEnv }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      {{- include "quarry.probes" $root | nindent 6 }}
      resources:
        {{- toYaml $own.resources | nindent 8 }}
      securityContext:
        {{- include "quarry.containerSecurityContext" . | nindent 8 }}
      volumeMounts:
        {{- include "quarry.volumeMounts" $root | nindent 8 }}
        {{- with $own.extraVolumeMounts }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
  volumes:
    {{- include "quarry.volumes" $root | nindent 4 }}
    {{- with $own.extraVolumes }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  {{- range $field := list "nodeSelector" "affinity" "tolerations" "topologySpreadConstraints" }}
  {{- with get $own $field }}
  {{ $field }}:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- end }}
{{- end }}
