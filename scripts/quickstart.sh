#!/usr/bin/env bash
# Installs dependencies, builds sto and runs the main job:
#  1. every model in examples/ is checked by sto-opt (parse, verify, key
#     linearity, the frontend pipeline), one line each, and a program that
#     reuses a key is shown to be rejected at compile time;
#  2. scripts/main-job.sh compiles examples/langevin_swa.mlir ahead of time
#     with sto-compile, links it into a C program and runs it: Langevin
#     dynamics with stochastic weight averaging on a planted single-index
#     model, printing the overlap with the planted direction and the test
#     risk of the last iterate and of the average (the average must win).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh" "$root/build"
opt="$root/build/bin/sto-opt"

echo "=== sto-opt --sto-frontend-pipeline on every example"
for f in "$root"/examples/*.mlir; do
  "$opt" --sto-frontend-pipeline "$f" >/dev/null
  echo "$(basename "$f"): ok"
done

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
echo

"$root/scripts/main-job.sh" "$root/build"
