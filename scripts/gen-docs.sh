#!/usr/bin/env bash
# Regenerates docs/reference/*.md (plain Markdown) from the TableGen sources.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tblgen=/usr/lib/llvm-22/bin/mlir-tblgen
inc=(-I "$root/dialects" -I /usr/lib/llvm-22/include)
"$tblgen" -gen-dialect-doc -dialect=sto "${inc[@]}" \
  "$root/dialects/Sto/StoOps.td" -o "$root/docs/reference/StoDialect.md"
"$tblgen" -gen-pass-doc "${inc[@]}" \
  "$root/dialects/Sto/Passes.td" -o "$root/docs/reference/StoPasses.md"
