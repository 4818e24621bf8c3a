#!/usr/bin/env bash
# The main job: install dependencies, build sto, and run it on the examples.
# Each example is checked (parse, verify, key linearity), simplified by the
# sto frontend pipeline and printed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh" "$root/build"
opt="$root/build/bin/sto-opt"
for f in "$root"/examples/*.mlir; do
  echo "=== $(basename "$f"): sto-opt --sto-frontend-pipeline"
  "$opt" --sto-frontend-pipeline "$f"
done
echo
echo "=== A reused key is a compile-time error:"
cat > "$root/build/reuse.mlir" <<'MLIR'
func.func @reuse(%k: !sto.key, %x: tensor<8xf32>) -> tensor<8xf32> {
  %a = sto.dropout %k, %x {rate = 1.0e-01 : f64} : tensor<8xf32>
  %b = sto.noise %k, %a {scale = 1.0e-01 : f64} : tensor<8xf32>
  return %b : tensor<8xf32>
}
MLIR
if "$opt" --sto-frontend-pipeline "$root/build/reuse.mlir" >/dev/null; then
  echo "error: the key checker accepted a reused key" >&2
  exit 1
fi
echo "(sto-opt exited non-zero, as it should)"
