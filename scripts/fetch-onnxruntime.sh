#!/usr/bin/env bash
# Installs the ONNX Runtime shared library that kftui's ONNX pane loads at run time.
#
# The library comes from the official PyPI wheel (onnxruntime==1.31.1, CPU build):
# the wheel is downloaded with pip into a cache directory, its shared library is
# checked against the wheel's RECORD (sha256) and copied to the place where kftui
# looks for it by default:
#
#   Linux:  ${XDG_DATA_HOME:-~/.local/share}/kftui/onnxruntime/libonnxruntime.so.1.31.1
#   macOS:  ~/Library/Application Support/kftui/onnxruntime/libonnxruntime.1.31.1.dylib
#
# Idempotent: when the library is already installed and intact it exits at once.
# Environment:
#   PYTHON            python interpreter with pip (default: python3)
#   KFTUI_CACHE_DIR   where the wheel is kept (default: ${XDG_CACHE_HOME:-~/.cache}/kftui)
#   KFTUI_ORT_FORCE=1 reinstall even if the library is present
set -euo pipefail

ORT_VERSION="1.31.1"
PYTHON="${PYTHON:-python3}"

die() { echo "fetch-onnxruntime: error: $*" >&2; exit 1; }

case "$(uname -s)" in
  Linux)
    data_home="${XDG_DATA_HOME:-}"
    [[ "$data_home" == /* ]] || data_home="${HOME:?HOME is not set}/.local/share"
    data_dir="$data_home/kftui"
    lib_name="libonnxruntime.so.${ORT_VERSION}"
    ;;
  Darwin)
    data_dir="${HOME:?HOME is not set}/Library/Application Support/kftui"
    lib_name="libonnxruntime.${ORT_VERSION}.dylib"
    ;;
  *)
    die "unsupported platform $(uname -s); download onnxruntime ${ORT_VERSION} yourself and point KFTUI_ORT_LIB at the library"
    ;;
esac

cache_home="${XDG_CACHE_HOME:-}"
[[ "$cache_home" == /* ]] || cache_home="$HOME/.cache"
cache_dir="${KFTUI_CACHE_DIR:-$cache_home/kftui}/wheels"
install_dir="$data_dir/onnxruntime"
target="$install_dir/$lib_name"
stamp="$target.sha256"

sha256_of() {
  "$PYTHON" - "$1" <<'PY'
import hashlib, sys
h = hashlib.sha256()
with open(sys.argv[1], "rb") as f:
    for block in iter(lambda: f.read(1 << 20), b""):
        h.update(block)
print(h.hexdigest())
PY
}

command -v "$PYTHON" >/dev/null 2>&1 || die "$PYTHON not found; it is needed to download the onnxruntime wheel with pip"

# Fast path: installed and unchanged since we verified it.
if [[ "${KFTUI_ORT_FORCE:-0}" != "1" && -f "$target" && -f "$stamp" ]]; then
  if [[ "$(sha256_of "$target")" == "$(cat "$stamp")" ]]; then
    echo "ONNX Runtime ${ORT_VERSION} already installed: $target"
    exit 0
  fi
  echo "fetch-onnxruntime: $target does not match its recorded checksum; reinstalling" >&2
fi

mkdir -p "$cache_dir" "$install_dir"

wheel="$(ls "$cache_dir"/onnxruntime-"${ORT_VERSION}"-*.whl 2>/dev/null | head -n 1 || true)"
if [[ -z "$wheel" ]]; then
  echo "Downloading onnxruntime==${ORT_VERSION} wheel into $cache_dir ..."
  "$PYTHON" -m pip download --no-deps --only-binary=:all: --disable-pip-version-check \
    --quiet --dest "$cache_dir" "onnxruntime==${ORT_VERSION}" \
    || die "pip could not download onnxruntime==${ORT_VERSION} (is PyPI reachable? is pip installed for $PYTHON?)"
  wheel="$(ls "$cache_dir"/onnxruntime-"${ORT_VERSION}"-*.whl 2>/dev/null | head -n 1 || true)"
  [[ -n "$wheel" ]] || die "pip reported success but no onnxruntime-${ORT_VERSION} wheel is in $cache_dir"
fi

# Extract the shared library, verifying it against the wheel's RECORD.
"$PYTHON" - "$wheel" "$lib_name" "$target" "$stamp" <<'PY' || die "could not extract $lib_name from $wheel"
import base64, hashlib, os, sys, zipfile

wheel, lib_name, target, stamp = sys.argv[1:5]
with zipfile.ZipFile(wheel) as zf:
    members = [n for n in zf.namelist() if n.endswith("/capi/" + lib_name)]
    if not members:
        sys.exit(f"{lib_name} is not in {os.path.basename(wheel)}")
    member = members[0]
    records = [n for n in zf.namelist() if n.endswith(".dist-info/RECORD")]
    expected = None
    if records:
        for line in zf.read(records[0]).decode("utf-8").splitlines():
            parts = line.rsplit(",", 2)
            if len(parts) == 3 and parts[0] == member and parts[1].startswith("sha256="):
                expected = parts[1][len("sha256="):]
    data = zf.read(member)

digest = hashlib.sha256(data).digest()
actual = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
if expected is None:
    print(f"fetch-onnxruntime: warning: RECORD has no checksum for {member}; checking size only", file=sys.stderr)
    if len(data) < 1_000_000:
        sys.exit(f"{member} is only {len(data)} bytes; the wheel looks broken")
elif actual != expected:
    sys.exit(f"checksum mismatch for {member}: RECORD says {expected}, extracted file has {actual}")

tmp = target + ".tmp"
with open(tmp, "wb") as f:
    f.write(data)
os.chmod(tmp, 0o755)
os.replace(tmp, target)
with open(stamp, "w") as f:
    f.write(hashlib.sha256(data).hexdigest() + "\n")
PY

[[ -s "$target" ]] || die "extraction produced no file at $target"
echo "ONNX Runtime ${ORT_VERSION} installed: $target"
