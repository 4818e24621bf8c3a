#!/usr/bin/env python3
"""Writes the PTX of every kernel of a module lowered with
`sto-opt --sto-cuda-pipeline="gpu-format=isa"` to OUTDIR/<kernel>.ptx, and prints a summary
line per kernel: the 16-byte global loads and stores (ld/st.global.v4.f32 or .b32), the
Philox products (mul.wide.u32 / mul.hi.u32), and any approximate or libdevice call that the
randomness contract forbids (sqrt.approx, div.approx, ex2.approx, __nv_).

Usage: extract_ptx.py MODULE_ISA.mlir OUTDIR
"""
import os
import re
import sys


def unescape(s):
    out, i = bytearray(), 0
    b = s.encode("latin-1", "backslashreplace")
    while i < len(b):
        c = b[i]
        if c == 0x5C and i + 2 < len(b) + 1:  # backslash
            nxt = b[i + 1:i + 3]
            if nxt[:1] == b"\\":
                out.append(0x5C)
                i += 2
                continue
            if nxt[:1] in (b'"',):
                out.append(0x22)
                i += 2
                continue
            try:
                out.append(int(nxt.decode(), 16))
                i += 3
                continue
            except ValueError:
                pass
        out.append(c)
        i += 1
    return out.decode("utf-8", "replace")


def main(path, outdir):
    text = open(path).read()
    os.makedirs(outdir, exist_ok=True)
    pat = re.compile(r'gpu\.binary @(\w+)\s*\[.*?assembly = "((?:[^"\\]|\\.)*)"', re.S)
    for m in pat.finditer(text):
        name, ptx = m.group(1), unescape(m.group(2))
        open(os.path.join(outdir, name + ".ptx"), "w").write(ptx)
        def count(r):
            return len(re.findall(r, ptx))
        stats = [
            ("ld.global.v4", count(r"ld\.global(?:\.nc)?\.v4\.")),
            ("st.global.v4", count(r"st\.global\.v4\.")),
            ("scalar ld.global", count(r"ld\.global(?:\.nc)?\.(?:f32|b32|u32|s32|f64|b64|u64)\b")),
            ("scalar st.global", count(r"st\.global\.(?:f32|b32|u32|s32|f64|b64|u64)\b")),
            ("mul.wide.u32", count(r"mul\.wide\.u32")),
            ("mul.hi.u32", count(r"mul\.hi\.u32")),
            ("forbidden approx/__nv_",
             count(r"sqrt\.approx|div\.approx|ex2\.approx|lg2\.approx|__nv_")),
        ]
        print(name + ": " + ", ".join("%s %d" % kv for kv in stats))

if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    main(sys.argv[1], sys.argv[2])
