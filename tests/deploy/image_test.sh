#!/usr/bin/env bash
# The OCI image scripts/image builds, checked from the layout alone:
# - every blob's name is its sha256 and its size the manifest's; the config's
#   diff_id is the digest of the uncompressed layer; the image runs as
#   65532:65532 with ENTRYPOINT quarry;
# - the layer, unpacked, holds the binary, exactly the libraries ldd lists
#   and the loader, and no shell;
# - chroot into it as 65532:65532: `quarry --help` works, and `quarry
#   extract` against the synthetic simulator (outside, on loopback) writes
#   every record the simulator holds to a JSON lines file;
# - building again gives the same digest.
# Needs root for chroot; fails (never skips) without it.
#   image_test.sh QUARRY_BINARY
set -euo pipefail
quarry=${1:?usage: image_test.sh QUARRY_BINARY}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
work=$(mktemp -d)
sim_pid=
cleanup() {
  [[ -z $sim_pid ]] || kill "$sim_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

[[ $(id -u) -eq 0 ]] || fail "chroot needs root; this test must run as root"

# A copy, so a concurrent rebuild of the binary cannot change it mid-test.
cp "$quarry" "$work/quarry"
digest=$("$ROOT/scripts/image" --binary "$work/quarry" "$work/image")
[[ $digest =~ ^sha256:[0-9a-f]{64}$ ]] || fail "scripts/image printed '$digest', not a digest"
echo "image $digest"

# The layout, blob by blob.
python3 - "$work/image" "$digest" <<'EOF'
import gzip, hashlib, json, pathlib, sys
root, digest = pathlib.Path(sys.argv[1]), sys.argv[2]
def blob(d):
    data = (root / "blobs/sha256" / d.split(":")[1]).read_bytes()
    assert "sha256:" + hashlib.sha256(data).hexdigest() == d, f"blob {d} does not match its name"
    return data
assert json.loads((root / "oci-layout").read_text()) == {"imageLayoutVersion": "1.0.0"}
index = json.loads((root / "index.json").read_text())
[entry] = index["manifests"]
assert entry["digest"] == digest, "index.json does not point at the printed digest"
manifest_bytes = blob(entry["digest"])
assert len(manifest_bytes) == entry["size"]
manifest = json.loads(manifest_bytes)
config_bytes = blob(manifest["config"]["digest"])
assert len(config_bytes) == manifest["config"]["size"]
config = json.loads(config_bytes)
[layer] = manifest["layers"]
assert layer["mediaType"] == "application/vnd.oci.image.layer.v1.tar+gzip"
layer_bytes = blob(layer["digest"])
assert len(layer_bytes) == layer["size"]
diff_id = "sha256:" + hashlib.sha256(gzip.decompress(layer_bytes)).hexdigest()
assert config["rootfs"]["diff_ids"] == [diff_id], "diff_id is not the uncompressed layer's digest"
assert config["config"]["User"] == "65532:65532"
assert config["config"]["Entrypoint"] == ["/usr/local/bin/quarry"]
(root / "layer.tar.gz").write_bytes(layer_bytes)
print("layout ok:", len(layer_bytes), "bytes of layer")
EOF

# The root filesystem as the image holds it (not scripts/image's staging dir).
rootfs=$work/rootfs
mkdir "$rootfs"
tar --numeric-owner -xzf "$work/image/layer.tar.gz" -C "$rootfs"

# Exactly the libraries the binary needs, and nothing executable but quarry.
expected=$(ldd "$work/quarry" | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' \
  | sed -E 's#^/(lib|lib64)/#/usr/\1/#' | sort -u)
actual=$(cd "$rootfs" && find usr/lib usr/lib64 -type f -name '*.so*' | sed 's#^#/#' | sort -u)
[[ "$expected" == "$actual" ]] || fail "libraries differ from ldd's list:
$(diff <(echo "$expected") <(echo "$actual") || true)"
executables=$(cd "$rootfs" && find . -type f -perm -u+x ! -name '*.so*' | sort)
[[ "$executables" == "./usr/local/bin/quarry" ]] || fail "unexpected executables: $executables"
[[ ! -e $rootfs/bin/sh ]] || fail "the image has a shell"
grep -q '^quarry:x:65532:65532:' "$rootfs/etc/passwd" || fail "no user 65532 in /etc/passwd"
[[ -f $rootfs/usr/share/zoneinfo/America/Chicago && -s $rootfs/etc/ssl/certs/ca-certificates.crt ]] \
  || fail "tz database or CA certificates missing"

in_image() { env -i "$@"; }
chroot_bin=$(command -v chroot)

help=$(in_image "$chroot_bin" --userspec=65532:65532 "$rootfs" /usr/local/bin/quarry --help) \
  || fail "quarry --help failed inside the image"
grep -q 'Subcommands:' <<<"$help" || fail "quarry --help printed no subcommands: $help"
echo "quarry --help works as 65532 inside the image"

# A short extract inside the image against the simulator outside it.
accounts=6 events=4 users=9
"$work/quarry" sim synthetic --port 0 --accounts $accounts --events-per-account $events \
  --users $users --seed 7 > "$work/sim.out" 2>&1 &
sim_pid=$!
port=
for _ in $(seq 100); do
  port=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\).*|\1|p' "$work/sim.out")
  [[ -n $port ]] && break
  kill -0 "$sim_pid" 2>/dev/null || fail "simulator exited: $(cat "$work/sim.out")"
  sleep 0.1
done
[[ -n $port ]] || fail "simulator did not report its port"

cat > "$rootfs/tmp/quarry.json" <<EOF
{"kafka": {"bootstrap_servers": "127.0.0.1:9"},
 "accounts": {"sim": {"source": "synthetic", "endpoint": "http://127.0.0.1:$port",
                      "credentials": {"api_key": {"env": "SYNTHETIC_API_KEY"}}}},
 "jobs": [{"name": "image-check", "account": "sim", "start_date": "2024-01-01T00:00:00Z"}]}
EOF
in_image SYNTHETIC_API_KEY=synthetic-key "$chroot_bin" --userspec=65532:65532 "$rootfs" \
  /usr/local/bin/quarry extract --config /tmp/quarry.json --output jsonl=/tmp/records.jsonl \
  --state-dir /tmp/state > "$work/extract.out" 2>&1 \
  || fail "quarry extract failed inside the image: $(cat "$work/extract.out")"

counts=$(python3 -c '
import collections, json, sys
c = collections.Counter(json.loads(l)["stream"] for l in open(sys.argv[1]))
print(" ".join(f"{s}={c[s]}" for s in sorted(c)))' "$rootfs/tmp/records.jsonl")
want="accounts=$accounts events=$((accounts * events)) users=$users"
[[ "$counts" == "$want" ]] || fail "records inside the image: $counts, expected $want"
echo "extract inside the image: $counts"

# The same binary gives the same image.
again=$("$ROOT/scripts/image" --binary "$work/quarry" "$work/image2")
[[ "$again" == "$digest" ]] || fail "rebuilt image has digest $again, first build $digest"
echo "rebuild gives the same digest"
