#!/usr/bin/env python3
"""Build virtgate's lab guest: a 512-byte x86 boot sector, hand-assembled here.

What the guest does (SeaBIOS loads it at 0x7C00 in real mode):
  1. enables A20, loads a flat GDT and switches to 32-bit protected mode at once
     (16-bit code is slow under the nested /dev/kvm of the lab machines);
  2. zeroes the counter (dword at COUNTER_ADDR = 0x500), writes the magic 'VGCT' at 0x504;
  3. optionally fills physical memory [1 MiB, fill_end) with non-zero data (every dword
     holds its own address) so that the whole RAM must really be transferred by a
     migration; fill_end is stored at 0x508 once done;
  4. mode 'tick' (default): programs the PIT to 1000 Hz, unmasks IRQ0 only and idles in
     'sti; hlt'; the IRQ0 handler increments the counter (about 1000/s, almost no CPU);
     mode 'spin': increments the counter in a tight loop (one host CPU at 100 %).
A fresh boot restarts the counter at 0, so a counter read on the migration destination
that is larger than the last value read on the source proves that live RAM moved.
Read it with: virsh qemu-monitor-command --hmp <dom> 'xp /1wx 0x500'

Usage: mkboot.py OUTPUT [--fill-mib N] [--mode tick|spin] [--size BYTES]
"""
import argparse
import struct
import sys

ORG = 0x7C00
COUNTER_ADDR = 0x500
MAGIC_ADDR = 0x504
FILLED_ADDR = 0x508
PARAM_OFF = 0x1F0          # fill_end (dd) at 0x1F0, mode (db) at 0x1F4 inside the sector
FILL_START = 0x100000      # 1 MiB: above the BIOS, the IVT, this code and the VGA hole
MAX_FILL_MIB = 3072        # RAM of the 'pc' machine is contiguous below 3 GiB


class Asm:
    """A tiny two-pass helper: bytes plus labels resolved on a second call."""

    def __init__(self):
        self.code = bytearray()
        self.labels = {}
        self.fixups = []   # (offset, kind, label)

    def here(self):
        return ORG + len(self.code)

    def label(self, name):
        self.labels[name] = self.here()

    def emit(self, *parts):
        for p in parts:
            if isinstance(p, int):
                self.code.append(p)
            elif isinstance(p, (bytes, bytearray)):
                self.code += p
            elif isinstance(p, tuple):           # ('abs16'|'abs32'|'rel8', label)
                kind, name = p
                self.fixups.append((len(self.code), kind, name))
                self.code += b"\0" * {"abs16": 2, "abs32": 4, "rel8": 1}[kind]
            else:
                raise TypeError(p)

    def resolve(self):
        for off, kind, name in self.fixups:
            target = self.labels[name]
            if kind == "abs16":
                struct.pack_into("<H", self.code, off, target)
            elif kind == "abs32":
                struct.pack_into("<I", self.code, off, target)
            else:
                rel = target - (ORG + off + 1)
                if not -128 <= rel <= 127:
                    raise ValueError("rel8 out of range for " + name)
                struct.pack_into("<b", self.code, off, rel)
        return self.code


def d32(v):
    return struct.pack("<I", v)


def build(fill_end, spin):
    a = Asm()
    # ---- 16-bit real mode -------------------------------------------------
    a.emit(0xFA)                                   # cli
    a.emit(0x31, 0xC0)                             # xor ax,ax
    a.emit(0x8E, 0xD8)                             # mov ds,ax
    a.emit(0x8E, 0xD0)                             # mov ss,ax
    a.emit(0xBC, 0x00, 0x7C)                       # mov sp,0x7c00
    a.emit(0xE4, 0x92)                             # in al,0x92   (fast A20)
    a.emit(0x0C, 0x02)                             # or al,2
    a.emit(0x24, 0xFE)                             # and al,0xfe  (never reset)
    a.emit(0xE6, 0x92)                             # out 0x92,al
    a.emit(0x0F, 0x01, 0x16, ("abs16", "gdtr"))    # lgdt [gdtr]
    a.emit(0x0F, 0x20, 0xC0)                       # mov eax,cr0
    a.emit(0x0C, 0x01)                             # or al,1
    a.emit(0x0F, 0x22, 0xC0)                       # mov cr0,eax
    a.emit(0x66, 0xEA, ("abs32", "pm32"), 0x08, 0x00)  # jmp dword 0x08:pm32
    # ---- 32-bit protected mode -------------------------------------------
    a.label("pm32")
    a.emit(0xB8, d32(0x10))                        # mov eax,0x10
    a.emit(0x8E, 0xD8)                             # mov ds,ax
    a.emit(0x8E, 0xC0)                             # mov es,ax
    a.emit(0x8E, 0xE0)                             # mov fs,ax  (all six segment registers
    a.emit(0x8E, 0xE8)                             # mov gs,ax   valid, or KVM without
    a.emit(0x8E, 0xD0)                             # mov ss,ax   unrestricted guest emulates)
    a.emit(0xBC, d32(0x7C00))                      # mov esp,0x7c00
    a.emit(0x31, 0xC0)                             # xor eax,eax
    a.emit(0xA3, d32(COUNTER_ADDR))                # mov [counter],eax
    a.emit(0xA3, d32(FILLED_ADDR))                 # mov [filled],eax
    a.emit(0xC7, 0x05, d32(MAGIC_ADDR), b"VGCT")   # mov dword [magic],'VGCT'
    a.emit(0x8B, 0x0D, d32(ORG + PARAM_OFF))       # mov ecx,[fill_end]
    a.emit(0x85, 0xC9)                             # test ecx,ecx
    a.emit(0x74, ("rel8", "after_fill"))           # jz after_fill
    a.emit(0xBF, d32(FILL_START))                  # mov edi,0x100000
    a.label("fill")
    a.emit(0x89, 0x3F)                             # mov [edi],edi
    a.emit(0x83, 0xC7, 0x04)                       # add edi,4
    a.emit(0x39, 0xCF)                             # cmp edi,ecx
    a.emit(0x72, ("rel8", "fill"))                 # jb fill
    a.emit(0x89, 0x0D, d32(FILLED_ADDR))           # mov [filled],ecx
    a.label("after_fill")
    a.emit(0xA0, d32(ORG + PARAM_OFF + 4))         # mov al,[mode]
    a.emit(0xA8, 0x01)                             # test al,1
    a.emit(0x75, ("rel8", "spin"))                 # jnz spin
    a.emit(0xB0, 0x34, 0xE6, 0x43)                 # PIT ch0, lo/hi, mode 2
    a.emit(0xB0, 0xA9, 0xE6, 0x40)                 # divisor 1193 (0x04A9): 1000 Hz
    a.emit(0xB0, 0x04, 0xE6, 0x40)
    a.emit(0xB0, 0xFE, 0xE6, 0x21)                 # master PIC: only IRQ0
    a.emit(0xB0, 0xFF, 0xE6, 0xA1)                 # slave PIC: all masked
    a.emit(0x0F, 0x01, 0x1D, ("abs32", "idtr"))    # lidt [idtr]
    a.label("idle")
    a.emit(0xFB)                                   # sti
    a.emit(0xF4)                                   # hlt
    a.emit(0xEB, ("rel8", "idle"))                 # jmp idle
    a.label("spin")
    a.emit(0xFF, 0x05, d32(COUNTER_ADDR))          # inc dword [counter]
    a.emit(0xEB, ("rel8", "spin"))                 # jmp spin
    a.label("tick")                                # IRQ0 (vector 8, as the BIOS set the PIC)
    a.emit(0xFF, 0x05, d32(COUNTER_ADDR))          # inc dword [counter]
    a.emit(0x50)                                   # push eax
    a.emit(0xB0, 0x20, 0xE6, 0x20)                 # EOI to the master PIC
    a.emit(0x58)                                   # pop eax
    a.emit(0xCF)                                   # iret
    a.label("ignore")                              # any other vector 0..15
    a.emit(0xCF)                                   # iret
    # ---- data ---------------------------------------------------------------
    while len(a.code) % 8:
        a.emit(0x90)
    a.label("gdt")
    a.emit(struct.pack("<Q", 0))
    a.emit(struct.pack("<Q", 0x00CF9A000000FFFF))  # 0x08: code, flat 4 GiB, 32-bit
    a.emit(struct.pack("<Q", 0x00CF92000000FFFF))  # 0x10: data, flat 4 GiB
    a.label("idt")
    idt_at = len(a.code)
    a.emit(b"\0" * (16 * 8))                       # 16 interrupt gates, filled below
    a.label("gdtr")
    a.emit(struct.pack("<H", 3 * 8 - 1), ("abs32", "gdt"))
    a.label("idtr")
    a.emit(struct.pack("<H", 16 * 8 - 1), ("abs32", "idt"))
    code = a.resolve()
    for vec in range(16):
        handler = a.labels["tick" if vec == 8 else "ignore"]
        gate = struct.pack("<HHBBH", handler & 0xFFFF, 0x08, 0, 0x8E, handler >> 16)
        code[idt_at + 8 * vec: idt_at + 8 * vec + 8] = gate
    if len(code) > PARAM_OFF:
        raise SystemExit("boot code too large: %d bytes" % len(code))
    sector = bytearray(code) + b"\0" * (512 - len(code))
    struct.pack_into("<IB", sector, PARAM_OFF, fill_end, 1 if spin else 0)
    sector[0x1F8:0x1FE] = b"VGBOOT"
    sector[0x1FE:0x200] = b"\x55\xAA"
    return bytes(sector)


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("output")
    p.add_argument("--fill-mib", type=int, default=0,
                   help="fill RAM from 1 MiB up to this many MiB (0 = no fill)")
    p.add_argument("--mode", choices=("tick", "spin"), default="tick")
    p.add_argument("--size", type=int, default=1024 * 1024,
                   help="image size in bytes (sparse padding after the boot sector)")
    args = p.parse_args(argv)
    if not 0 <= args.fill_mib <= MAX_FILL_MIB:
        raise SystemExit("--fill-mib must be 0..%d" % MAX_FILL_MIB)
    fill_end = args.fill_mib * 1024 * 1024 if args.fill_mib > 1 else 0
    sector = build(fill_end, args.mode == "spin")
    with open(args.output, "wb") as f:
        f.write(sector)
        f.truncate(max(args.size, 512))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
