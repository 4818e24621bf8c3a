#!/usr/bin/env python3
"""Lists the functions of a CUDA module whose host code touches tensor memory.

Usage: host_loops.py MODULE_LLVM.mlir
(MODULE_LLVM.mlir: `sto-compile --target=cuda --compile-to=llvm` of the module.)

For --target=cuda every tensor argument is a device pointer, so the host part of a
compiled function (`__sto_impl_<name>` outside the gpu.module) must only launch kernels: an
llvm.load or llvm.store there is a loop that sto-compile left on the host instead of
turning it into a kernel, and it dereferences device pointers on the CPU (a segmentation
fault, or garbage). Prints one line per function: `<name> host-loads=N host-stores=M
launches=K`, and `HOST` first when N + M > 0.
"""
import re
import sys


def main(path):
    text = open(path).read()
    # Top-level operations of the module are indented by two spaces (block labels too, so
    # split at the functions and cut each at the next top-level non-function operation).
    for chunk in re.split(r"\n  (?=llvm\.func )", text):
        chunk = re.split(r"\n  (?=gpu\.|llvm\.mlir\.global|llvm\.func)", chunk)[0]
        m = re.match(r"llvm\.func (?:internal )?@__sto_impl_(\w+)\(", chunk)
        if not m:
            continue
        # Stack slots (llvm.alloca, and GEPs into them) are host memory: memref.dim of a
        # descriptor, for one, goes through one. They do not count.
        stack = set(re.findall(r"(%\w+) = llvm\.alloca\b", chunk))
        for name, base in re.findall(r"(%\w+) = llvm\.getelementptr (?:inbounds )?(%\w+)\[", chunk):
            if base in stack:
                stack.add(name)
        loads = sum(1 for p in re.findall(r"\bllvm\.load (%\w+)", chunk) if p not in stack)
        stores = sum(1 for p in re.findall(r"\bllvm\.store %\w+, (%\w+)", chunk)
                     if p not in stack)
        launches = len(re.findall(r"\bgpu\.launch_func\b", chunk))
        flag = "HOST " if loads + stores else "ok   "
        print(f"{flag}{m.group(1)} host-loads={loads} host-stores={stores} launches={launches}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    main(sys.argv[1])
