"""Lists the entries (kind, architecture) of the CUDA fatbin in an object."""
import struct
import sys

data = open(sys.argv[1], "rb").read()
start = data.find(struct.pack("<I", 0xBA55ED50))
if start < 0:
    sys.exit("no fatbin in " + sys.argv[1])
_, _, header_size, fat_size = struct.unpack_from("<IHHQ", data, start)
pos, end = start + header_size, start + header_size + fat_size
while pos < end:
    kind, _, entry_header, payload = struct.unpack_from("<HHIQ", data, pos)
    arch = struct.unpack_from("<I", data, pos + 28)[0]
    print("entry", {1: "ptx", 2: "elf"}.get(kind, str(kind)), "sm_%d" % arch)
    pos += entry_header + payload
