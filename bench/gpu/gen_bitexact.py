#!/usr/bin/env python3
"""Generates the driver of the GPU-vs-CPU bit comparison from sto-compile's headers.

    gen_bitexact.py MODULE.mlir CPU_HEADER.h GPU_HEADER.h OUT.cpp [HOST_LOOPS.txt]

MODULE.mlir is the module before renaming (bitexact.mlir): it gives the functions, in
order, and their fill hints (a comment line `// fill: argN=KIND ... dyn=N` right above the
func.func; bitexact.mlir's header describes them). CPU_HEADER.h and GPU_HEADER.h are the
headers sto-compile wrote for the cpu_* and gpu_* renamings (sto-compile-pair.sh); every
function is called through the prototypes and shapes they give.

HOST_LOOPS.txt is host_loops.py's report on the GPU module: the functions flagged HOST there
(their loops stayed on the host, over device pointers) are run in a child process each.

The generated program (see bitexact_support.h) calls, for every function, cpu_<name> on
host buffers and gpu_<name> on device buffers holding the same inputs, and compares every
output element bit for bit. Outputs are poisoned first (different bytes on each side), so
an element that one side does not write is a mismatch.
"""
import re
import sys

CTYPE = {
    "f32": "float", "f64": "double", "f16": "uint16_t", "bf16": "uint16_t",
    "i1": "uint8_t", "i8": "int8_t", "i16": "int16_t", "i32": "int32_t",
    "i64": "int64_t",
}
DTYPE = {
    "f32": "F32", "f64": "F64", "f16": "F16", "bf16": "BF16", "i1": "I1", "i8": "I8",
    "i16": "I16", "i32": "I32", "i64": "I64",
}
FLOATS = {"f32", "f64", "f16", "bf16"}


def parse_hints(mlir):
    """{function: {"argN": "KIND", "dyn": "N"}} from `// fill:` lines."""
    hints, pending = {}, {}
    for line in mlir.splitlines():
        s = line.strip()
        m = re.match(r"//\s*fill:\s*(.*)", s)
        if m:
            for item in m.group(1).split():
                k, _, v = item.partition("=")
                pending[k] = v
            continue
        m = re.match(r"func\.func\s+@([\w.]+)", s)
        if m:
            hints[m.group(1)] = pending
            pending = {}
        elif s and not s.startswith("//"):
            pass
        elif not s:
            pending = {}
    return hints


def function_order(mlir):
    return re.findall(r"^\s*func\.func\s+@([\w.]+)", mlir, re.M)


def parse_header(text, prefix):
    """{name (without prefix): {"entries": {argN/resultN/..._dimK: desc}, "params": [...]}}"""
    out = {}
    pat = re.compile(r"/\* (\w+)\n((?: \*.*\n)*?) \*/\nint32_t (\w+)\(([^)]*)\);")
    for m in pat.finditer(text):
        name = m.group(3)
        if not name.startswith(prefix):
            continue
        entries = {}
        for line in m.group(2).splitlines():
            e = re.match(r"\s*\*\s+(\w+):\s*(.*)", line)
            if e:
                entries[e.group(1)] = e.group(2)
        params = []
        if m.group(4).strip() not in ("", "void"):
            for p in m.group(4).split(","):
                p = p.strip()
                pm = re.match(r"(.*?)(\w+)$", p)
                params.append((pm.group(1).strip(), pm.group(2)))
        out[name[len(prefix):]] = {"entries": entries, "params": params}
    return out


def describe(desc):
    """'f32 [3, 37], row-major' -> ('f32', [3, 37]); 'i64' -> ('i64', None)."""
    m = re.match(r"([^\s,]+)(?:\s+\[([^\]]*)\])?", desc)
    dtype = m.group(1)
    if m.group(2) is None:
        return dtype, None
    dims = [d.strip() for d in m.group(2).split(",") if d.strip()]
    return dtype, dims


def cxx_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def gen_function(name, info, hint, out, host_loop):
    entries, params = info["entries"], info["params"]
    dyn = int(hint.get("dyn", "7"))
    w = out.append
    w("  if (r.selected(%s, %s)) {" % (cxx_str(name), "true" if host_loop else "false"))
    cpu_args, gpu_args, results = [], [], []
    pre = []
    for ctype, pname in params:
        desc = entries.get(pname)
        if desc is None:
            raise SystemExit("gen_bitexact: %s: no description of %s" % (name, pname))
        if re.match(r"\w+_dim\d+$", pname):
            # A dynamic dimension of the tensor before it.
            cpu_args.append("int64_t(%d)" % dyn)
            gpu_args.append("int64_t(%d)" % dyn)
            continue
        dtype, dims = describe(desc)
        if dims is not None:
            n = 1
            for d in dims:
                n *= dyn if d == "?" else int(d)
            if dtype not in CTYPE:
                raise SystemExit("gen_bitexact: %s: element type %s" % (name, dtype))
            ct = CTYPE[dtype]
            cast = "reinterpret_cast<bool *>" if dtype == "i1" else ""
            if pname.startswith("arg"):
                kind = hint.get(pname, "normal" if dtype in FLOATS else "int:0:8")
                v = "in_" + pname
                pre.append("    std::vector<%s> %s(%d);" % (ct, v, n))
                pre.append("    bx::fill(%s.data(), %d, bx::DType::%s, %s, r.seed(%s));"
                           % (v, n, DTYPE[dtype], cxx_str(kind), cxx_str(pname)))
                cpu_args.append("%s(%s.data())" % (cast, v) if cast else "%s.data()" % v)
                pre.append("    auto *d_%s = static_cast<%s *>(r.upload(%s.data(), %d * sizeof(%s)));"
                           % (pname, ct, v, n, ct))
                gpu_args.append("%s(d_%s)" % (cast, pname) if cast else "d_%s" % pname)
            else:
                v = "c_" + pname
                pre.append("    std::vector<%s> %s(%d);" % (ct, v, n))
                pre.append("    r.poison(%s.data(), %d * sizeof(%s), 0xA5);" % (v, n, ct))
                cpu_args.append("%s(%s.data())" % (cast, v) if cast else "%s.data()" % v)
                pre.append("    auto *d_%s = static_cast<%s *>(r.output(%d * sizeof(%s)));"
                           % (pname, ct, n, ct))
                gpu_args.append("%s(d_%s)" % (cast, pname) if cast else "d_%s" % pname)
                results.append((pname, dtype, ct, n, "tensor"))
            continue
        # Scalars.
        if pname.startswith("result"):
            # A scalar result: a T * the function stores through, host memory on both sides.
            if dtype not in CTYPE:
                raise SystemExit("gen_bitexact: %s: scalar result type %s" % (name, dtype))
            ct = CTYPE[dtype]
            pre.append("    %s c_%s[1], h_%s[1];" % (ct, pname, pname))
            pre.append("    r.poison(c_%s, sizeof(%s), 0xA5);" % (pname, ct))
            pre.append("    r.poison(h_%s, sizeof(%s), 0x5A);" % (pname, ct))
            cast = "reinterpret_cast<bool *>" if dtype == "i1" else ""
            cpu_args.append("%s(c_%s)" % (cast, pname) if cast else "c_" + pname)
            gpu_args.append("%s(h_%s)" % (cast, pname) if cast else "h_" + pname)
            results.append((pname, dtype, ct, 1, "scalar"))
            continue
        v = "s_" + pname
        if dtype == "!sto.key":
            val = hint.get(pname, "0x12345678DEADBEEFull")
            pre.append("    uint64_t %s = %s;" % (v, val))
        elif dtype == "index":
            pre.append("    int64_t %s = %s;" % (v, hint.get(pname, str(dyn))))
        elif dtype in ("i64", "i32", "i16", "i8"):
            idx = int(pname[3:])
            pre.append("    %s %s = %s;" % (CTYPE[dtype], v, hint.get(pname, str(42 + idx))))
        elif dtype in ("f32", "f64"):
            pre.append("    %s %s = %s;" % (CTYPE[dtype], v, hint.get(pname, "0.375")))
        elif dtype == "i1":
            pre.append("    bool %s = %s;" % (v, hint.get(pname, "true")))
        else:
            raise SystemExit("gen_bitexact: %s: scalar type %s" % (name, dtype))
        cpu_args.append(v)
        gpu_args.append(v)
    # A crash of this process inside the case (host code that dereferences device memory
    # and that host_loops.py did not flag) comes back here through the guard and is
    # recorded; the other cases still run.
    w("    r.begin(%s);" % cxx_str(name))
    w("    if (sigsetjmp(*r.guard(), 1) == 0) {")
    out.extend("  " + line for line in pre)
    w("      r.cpuStatus(cpu_%s(%s));" % (name, ", ".join(cpu_args)))
    w("      if (r.gpu()) {")
    w("        r.gpuStatus(gpu_%s(%s));" % (name, ", ".join(gpu_args)))
    for pname, dtype, ct, n, kind in results:
        if kind == "scalar":
            w("        r.compare(%s, bx::DType::%s, c_%s, h_%s, 1);"
              % (cxx_str(pname), DTYPE[dtype], pname, pname))
            continue
        w("        {")
        w("          std::vector<%s> g(%d);" % (ct, n))
        w("          r.download(g.data(), d_%s, %d * sizeof(%s));" % (pname, n, ct))
        w("          r.compare(%s, bx::DType::%s, c_%s.data(), g.data(), %d);"
          % (cxx_str(pname), DTYPE[dtype], pname, n))
        w("        }")
    w("      } else {")
    for pname, dtype, ct, n, kind in results:
        ref = "c_" + pname if kind == "scalar" else "c_%s.data()" % pname
        w("        r.cpuOnly(%s, bx::DType::%s, %s, %d);" % (cxx_str(pname), DTYPE[dtype], ref, n))
    w("      }")
    w("      r.end();")
    w("    } else {")
    w("      r.crashed();")
    w("    }")
    w("  }")


def main():
    if len(sys.argv) not in (5, 6):
        raise SystemExit(__doc__)
    mlir_path, cpu_h, gpu_h, out_path = sys.argv[1:5]
    host = set()
    if len(sys.argv) == 6:
        for line in open(sys.argv[5]):
            f = line.split()
            if len(f) >= 2 and f[0] == "HOST":
                host.add(f[1][len("gpu_"):] if f[1].startswith("gpu_") else f[1])
    mlir = open(mlir_path).read()
    hints = parse_hints(mlir)
    cpu = parse_header(open(cpu_h).read(), "cpu_")
    gpu = parse_header(open(gpu_h).read(), "gpu_")
    out = [
        "// Generated by bench/gpu/gen_bitexact.py from %s. Do not edit." % mlir_path.split("/")[-1],
        '#include "%s"' % cpu_h.split("/")[-1],
        '#include "%s"' % gpu_h.split("/")[-1],
        '#include "bitexact_support.h"',
        "",
        "static void runAll(bx::Runner &r) {",
    ]
    for name in function_order(mlir):
        if name not in cpu or name not in gpu:
            raise SystemExit("gen_bitexact: %s is missing from a header" % name)
        if cpu[name]["params"] != gpu[name]["params"]:
            raise SystemExit("gen_bitexact: %s: the CPU and GPU prototypes differ" % name)
        gen_function(name, cpu[name], hints.get(name, {}), out, name in host)
    out += ["}", "", "int main(int argc, char **argv) {", "  bx::Runner r(argc, argv);",
            "  return r.run(runAll);", "}", ""]
    open(out_path, "w").write("\n".join(out))


if __name__ == "__main__":
    main()
