#!/usr/bin/env bash
# Creates (once) the Python venv with Confluent's client that the registry
# tests decode quarry's bytes with: make_venv.sh <dir>. Rebuilt only when
# requirements.txt changes.
set -euo pipefail
VENV=$1
REQ=$(dirname "${BASH_SOURCE[0]}")/requirements.txt
sum=$(sha256sum "$REQ" | cut -d' ' -f1)
[[ -x $VENV/bin/python && -f $VENV/.requirements && $(<"$VENV/.requirements") == "$sum" ]] && exit 0
rm -rf "$VENV"
python3 -m venv "$VENV"
"$VENV/bin/pip" install -q --disable-pip-version-check -r "$REQ"
echo "$sum" >"$VENV/.requirements"
"$VENV/bin/python" -c 'import confluent_kafka; print("venv:", confluent_kafka.version())'
