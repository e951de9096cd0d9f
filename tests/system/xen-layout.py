#!/usr/bin/env python3
"""What Xen's PV builder (tools/libs/guest/xg_dom_core.c, xg_dom_x86.c)
lays out for a 64-bit kernel, computed here from the kernel file alone:
the bzImage header, its xz/gzip payload, the ELF's PT_LOAD headers and Xen
notes.  Independent of libxg (tests/system/debian-kernel.sh compares the
two).  Prints the lines `xg -N create` prints for the same kernel.

    xen-layout.py KERNEL MEMORY_MIB [RAMDISK_BYTES]

Only what Debian's kernel needs is modelled: a 64-bit kernel, and a
ramdisk only when the kernel's MOD_START_PFN note asks for it unmapped.
"""
import lzma, struct, sys, zlib

PAGE = 4096
img = open(sys.argv[1], "rb").read()
nr_pages = int(sys.argv[2]) * 256
ramdisk = int(sys.argv[3]) if len(sys.argv) > 3 else 0

# The bzImage boot protocol: payload_offset is counted from the
# protected-mode code, which follows the (setup_sects or 4) + 1 sectors.
elf = img
if img[0x202:0x206] == b"HdrS":
    sects = img[0x1f1] or 4
    off, length = struct.unpack_from("<II", img, 0x248)
    payload = img[(sects + 1) * 512 + off:][:length]
    # One stream; Linux appends the uncompressed size after it.
    if payload[:2] == b"\x1f\x8b":
        elf = zlib.decompressobj(31).decompress(payload)
    else:
        elf = lzma.LZMADecompressor().decompress(payload)
assert elf[:4] == b"\x7fELF" and elf[4] == 2, "a 64-bit ELF"

phoff, = struct.unpack_from("<Q", elf, 0x20)
phentsize, phnum = struct.unpack_from("<HH", elf, 0x36)
loads, notes = [], {}
for i in range(phnum):
    p_type, _, p_offset, _, p_paddr, p_filesz, p_memsz = struct.unpack_from("<IIQQQQQ", elf, phoff + i * phentsize)
    if p_type == 1:
        loads.append((p_paddr, p_memsz))
    elif p_type == 4:
        pos = p_offset
        while pos + 12 <= p_offset + p_filesz:
            namesz, descsz, ntype = struct.unpack_from("<III", elf, pos)
            name = elf[pos + 12:pos + 12 + namesz].rstrip(b"\0")
            dpos = pos + 12 + ((namesz + 3) & ~3)
            desc = elf[dpos:dpos + descsz]
            if name == b"Xen" and descsz in (4, 8):
                notes[ntype] = int.from_bytes(desc, "little")
            pos = dpos + ((descsz + 3) & ~3)

VIRT_BASE, PADDR_OFFSET, INIT_P2M, MOD_START_PFN = 3, 4, 15, 16
assert not ramdisk or notes.get(MOD_START_PFN), "only an unmapped ramdisk is modelled"
virt_base = notes[VIRT_BASE]
virt_offset = virt_base - notes.get(PADDR_OFFSET, 0)
kstart = min(p for p, _ in loads) + virt_offset
kend = max(p + m for p, m in loads) + virt_offset
p2m_base = notes.get(INIT_P2M)
if p2m_base is not None and (p2m_base >= virt_base or p2m_base % PAGE):
    p2m_base = None  # xc_dom_build_image ignores it then

MASK48 = (1 << 48) - 1
def count_pgtables(maps, frm, to):
    """xg_dom_x86.c count_pgtables: tables per level (L1 first) for a new
    mapping, less what earlier mappings' tables of that level cover."""
    area = (frm & MASK48, to & MASK48)
    lvls, total = [None] * 4, 0
    for l in (3, 2, 1, 0):
        if l == 3:
            lvls[l] = (0, MASK48, 1) if not maps else (0, 0, 0)
            total += lvls[l][2]
            continue
        mask = (1 << (12 + (l + 1) * 9)) - 1
        f, t = area[0] & ~mask, area[1] | mask
        for m in maps:
            mf, mt, _ = m[l]
            if mf == mt:
                continue
            if f >= mf and t <= mt:
                f = t = 0
                break
            if mf <= f <= mt:
                f = mt + 1
            if mf <= t <= mt:
                t = mf - 1
        n = ((t - f) >> (12 + (l + 1) * 9)) + 1 if f < t else 0
        lvls[l] = (f, t, n)
        total += n
    return lvls, total

pfn = (kstart - virt_base) // PAGE
kernel = (pfn, -(-(kend - kstart) // PAGE))
pfn += kernel[1]
p2m_pages = -(-(nr_pages * 8) // PAGE)
if p2m_base is None:
    p2m = (pfn, p2m_pages)
    pfn += p2m_pages
start_info, xenstore, console = pfn, pfn + 1, pfn + 2
pfn += 3
extra = 1 + 512 * 1024 // PAGE  # boot stack + 512 KiB
pages = extra
alloc_end = virt_base + pfn * PAGE
while True:
    try_end = (alloc_end + pages * PAGE) | ((1 << 22) - 1)
    lv0, tables = count_pgtables([], virt_base, try_end)
    pages = tables + extra
    if alloc_end + pages * PAGE <= try_end + 1:
        break
pgtables = (pfn, tables)
bootstack = pfn + tables
virt_pgtab_end = try_end + 1
pfn = (virt_pgtab_end - virt_base) // PAGE

def region(name, first, n):
    va = virt_base + first * PAGE
    print("  %-12s: 0x%016x -> 0x%016x  (pfn 0x%x + 0x%x pages)" % (name, va, va + n * PAGE, first, n))

region("kernel", *kernel)
if p2m_base is None:
    region("phys2mach", *p2m)
region("start info", start_info, 1)
region("xenstore", xenstore, 1)
region("console", console, 1)
region("page tables", *pgtables)
region("boot stack", bootstack, 1)
if ramdisk:  # unmapped: after the initial mapping, whole pages
    region("module", pfn, -(-ramdisk // PAGE))
    module = (pfn, -(-ramdisk // PAGE))
    pfn += module[1]
if p2m_base is not None:
    lv1, p2m_tables = count_pgtables([lv0], p2m_base, p2m_base + p2m_pages * PAGE - 1)
    print("  %-12s: 0x%016x -> 0x%016x  (pfn 0x%x + 0x%x pages)" % ("phys2mach", p2m_base, p2m_base + p2m_pages * PAGE, pfn, p2m_pages))
    print("  P2M tables  : pfn 0x%x + 0x%x (%d L3, %d L2, %d L1; not mapped); start_info first_p2m_pfn 0x%x, nr_p2m_frames 0x%x"
          % (pfn + p2m_pages, p2m_tables, lv1[2][2], lv1[1][2], lv1[0][2], pfn, p2m_pages + p2m_tables))
if ramdisk:
    print("  module      : start_info mod_start = pfn 0x%x, mod_len = 0x%x (SIF_MOD_START_PFN: unmapped, as MOD_START_PFN asks)"
          % (module[0], module[1] * PAGE))
print("  page tables: %d L4, %d L3, %d L2, %d L1; mapping ends at 0x%x" % (lv0[3][2], lv0[2][2], lv0[1][2], lv0[0][2], virt_pgtab_end))
