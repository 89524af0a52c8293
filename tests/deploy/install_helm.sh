#!/usr/bin/env bash
# Builds helm from its Go module into CACHE_DIR/bin (once: an existing binary
# of the pinned version is reused). Needs Go >= 1.26 (helm v3.22's go.mod) on
# PATH or in /usr/local/go/bin; fails, never skips, when it is missing.
#   install_helm.sh CACHE_DIR
set -euo pipefail
HELM_VERSION=v3.22.0
cache=${1:?usage: install_helm.sh CACHE_DIR}
helm=$cache/bin/helm

# A go-installed helm reports only "v3.22", so the marker file names the
# exact version built.
marker=$cache/bin/helm.version
if [[ -x $helm && "$(cat "$marker" 2>/dev/null)" == "$HELM_VERSION" ]]; then
  echo "install_helm: $helm $HELM_VERSION already built"
  exit 0
fi

go=$(command -v go || true)
[[ -n $go ]] || go=/usr/local/go/bin/go
if [[ ! -x $go ]]; then
  echo "install_helm: no Go toolchain (go on PATH or /usr/local/go/bin/go); helm $HELM_VERSION needs Go >= 1.26" >&2
  exit 1
fi

mkdir -p "$cache/bin"
# Without a HOME (some CI shells), keep Go's caches in the build tree too.
if [[ -z ${HOME:-} ]]; then
  export GOPATH=$cache/gopath GOCACHE=$cache/gocache
fi
echo "install_helm: building helm $HELM_VERSION with $("$go" version)"
GOBIN=$cache/bin GOFLAGS=-buildvcs=false nice -n 15 "$go" install "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
"$helm" version
echo "$HELM_VERSION" > "$marker"
