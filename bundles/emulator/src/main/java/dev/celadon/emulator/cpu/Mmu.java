package dev.celadon.emulator.cpu;

import java.nio.ByteBuffer;

/**
 * The page walk: 4-level (long mode), PAE (3-level) and 32-bit paging, with 4 KiB, 2/4 MiB and 1 GiB pages,
 * U/S, R/W with CR0.WP, NX with EFER.NXE, global pages. Accessed and dirty bits are set in guest memory with
 * compare-and-set, as other processors may be walking or changing the same entries. Paging structures outside
 * RAM read as not present.
 */
final class Mmu {
    private Mmu() {
    }

    static final long P = 1, RW = 2, US = 4, A = 1 << 5, D = 1 << 6, PS = 1 << 7, G = 1 << 8;
    static final long NX = 1L << 63;
    static final long ADDR = 0x000F_FFFF_FFFF_F000L;
    /** #PF error code bits. */
    static final int PF_P = 1, PF_W = 2, PF_U = 4, PF_RSVD = 8, PF_I = 16;

    /** Translates or faults; sets {@code c.walkGlobal}. */
    static long walk(Cpu c, long la, int kind, boolean user) {
        c.walkGlobal = false;
        if ((c.cr0 & Cpu.CR0_PG) == 0) {
            return la & 0xFFFF_FFFFL;
        }
        if ((c.efer & Cpu.EFER_LMA) != 0) {
            if (((la << 16) >> 16) != la) {
                throw Fault.gp0(); // non-canonical
            }
            return walk4(c, la, kind, user);
        }
        la &= 0xFFFF_FFFFL;
        return (c.cr4 & Cpu.CR4_PAE) != 0 ? walkPae(c, la, kind, user) : walk32(c, la, kind, user);
    }

    private static long walk4(Cpu c, long la, int kind, boolean user) {
        long table = c.cr3 & ADDR;
        long allow = RW | US;
        boolean nx = false;
        boolean nxe = (c.efer & Cpu.EFER_NXE) != 0;
        for (int level = 3; level >= 0; level--) {
            long ea = table + (((la >>> (12 + 9 * level)) & 0x1FF) << 3);
            long e = readEntry(c, ea, 8);
            if ((e & P) == 0) {
                throw pageFault(c, la, kind, user, 0);
            }
            allow &= e;
            if (nxe && (e & NX) != 0) {
                nx = true;
            }
            boolean leaf = level == 0 || (level <= 2 && (e & PS) != 0);
            if (!leaf && level == 3 && (e & PS) != 0) {
                throw pageFault(c, la, kind, user, PF_RSVD | PF_P);
            }
            if (leaf) {
                check(c, la, kind, user, allow, nx);
                setAD(c, ea, e, kind == Cpu.WRITE, 8);
                c.walkGlobal = (e & G) != 0 && (c.cr4 & Cpu.CR4_PGE) != 0;
                long pageMask = (1L << (12 + 9 * level)) - 1;
                return (e & ADDR & ~pageMask) | (la & pageMask);
            }
            setAD(c, ea, e, false, 8);
            table = e & ADDR;
        }
        throw new IllegalStateException();
    }

    private static long walkPae(Cpu c, long la, int kind, boolean user) {
        long pdpte = readEntry(c, (c.cr3 & 0xFFFF_FFE0L) + ((la >>> 30) << 3), 8);
        if ((pdpte & P) == 0) {
            throw pageFault(c, la, kind, user, 0);
        }
        long table = pdpte & ADDR;
        long allow = RW | US;
        boolean nx = false;
        boolean nxe = (c.efer & Cpu.EFER_NXE) != 0;
        for (int level = 1; level >= 0; level--) {
            long ea = table + (((la >>> (12 + 9 * level)) & 0x1FF) << 3);
            long e = readEntry(c, ea, 8);
            if ((e & P) == 0) {
                throw pageFault(c, la, kind, user, 0);
            }
            allow &= e;
            if (nxe && (e & NX) != 0) {
                nx = true;
            }
            boolean leaf = level == 0 || (e & PS) != 0;
            if (leaf) {
                check(c, la, kind, user, allow, nx);
                setAD(c, ea, e, kind == Cpu.WRITE, 8);
                c.walkGlobal = (e & G) != 0 && (c.cr4 & Cpu.CR4_PGE) != 0;
                long pageMask = (1L << (12 + 9 * level)) - 1;
                return (e & ADDR & ~pageMask) | (la & pageMask);
            }
            setAD(c, ea, e, false, 8);
            table = e & ADDR;
        }
        throw new IllegalStateException();
    }

    private static long walk32(Cpu c, long la, int kind, boolean user) {
        long ea = (c.cr3 & 0xFFFF_F000L) + ((la >>> 22) << 2);
        long e = readEntry(c, ea, 4);
        if ((e & P) == 0) {
            throw pageFault(c, la, kind, user, 0);
        }
        long allow = e & (RW | US);
        if ((e & PS) != 0 && (c.cr4 & Cpu.CR4_PSE) != 0) {
            check(c, la, kind, user, allow, false);
            setAD(c, ea, e, kind == Cpu.WRITE, 4);
            c.walkGlobal = (e & G) != 0 && (c.cr4 & Cpu.CR4_PGE) != 0;
            long high = ((e >>> 13) & 0xFF) << 32; // PSE-36
            return high | (e & 0xFFC0_0000L) | (la & 0x3F_FFFF);
        }
        setAD(c, ea, e, false, 4);
        long ea2 = (e & 0xFFFF_F000L) + (((la >>> 12) & 0x3FF) << 2);
        long e2 = readEntry(c, ea2, 4);
        if ((e2 & P) == 0) {
            throw pageFault(c, la, kind, user, 0);
        }
        allow &= e2;
        check(c, la, kind, user, allow, false);
        setAD(c, ea2, e2, kind == Cpu.WRITE, 4);
        c.walkGlobal = (e2 & G) != 0 && (c.cr4 & Cpu.CR4_PGE) != 0;
        return (e2 & 0xFFFF_F000L) | (la & 0xFFF);
    }

    private static void check(Cpu c, long la, int kind, boolean user, long allow, boolean nx) {
        if (user && (allow & US) == 0) {
            throw pageFault(c, la, kind, user, PF_P);
        }
        if (kind == Cpu.WRITE && (allow & RW) == 0 && (user || (c.cr0 & Cpu.CR0_WP) != 0)) {
            throw pageFault(c, la, kind, user, PF_P);
        }
        if (kind == Cpu.EXEC && nx) {
            throw pageFault(c, la, kind, user, PF_P);
        }
    }

    static Fault pageFault(Cpu c, long la, int kind, boolean user, int bits) {
        c.cr2 = la;
        int err = bits | (kind == Cpu.WRITE ? PF_W : 0) | (user ? PF_U : 0) | (kind == Cpu.EXEC ? PF_I : 0);
        return new Fault(Fault.PF, err);
    }

    private static long readEntry(Cpu c, long pa, int size) {
        ByteBuffer b = c.mem.pageBuffer(pa >>> 12);
        if (b == null) {
            return 0;
        }
        return PhysicalMemory.load(b, c.mem.pageOffset(pa >>> 12) + ((int) pa & 0xFFF), size);
    }

    /** Sets A (and D for a write leaf) atomically, unless already set. */
    private static void setAD(Cpu c, long pa, long e, boolean dirty, int size) {
        long want = A | (dirty ? D : 0);
        if ((e & want) == want) {
            return;
        }
        ByteBuffer b = c.mem.pageBuffer(pa >>> 12);
        int off = c.mem.pageOffset(pa >>> 12) + ((int) pa & 0xFFF);
        if (size == 8) {
            long old = e;
            while (!PhysicalMemory.LONG.compareAndSet(b, off, old, old | want)) {
                old = (long) PhysicalMemory.LONG.getVolatile(b, off);
                if ((old & P) == 0 || (old & want) == want) {
                    break;
                }
            }
        } else {
            int old = (int) e;
            while (!PhysicalMemory.INT.compareAndSet(b, off, old, old | (int) want)) {
                old = (int) PhysicalMemory.INT.getVolatile(b, off);
                if ((old & P) == 0 || (old & want) == want) {
                    break;
                }
            }
        }
        if (c.mem.hasCode(pa >>> 12)) {
            c.mem.codeStore(pa >>> 12, (int) pa & 0xFFF, ((int) pa & 0xFFF) + size);
        }
    }

    /** Translation for diagnostics: no faults, no A/D updates; -1 if not mapped. */
    static long probe(Cpu c, long la) {
        if ((c.cr0 & Cpu.CR0_PG) == 0) {
            return la & 0xFFFF_FFFFL;
        }
        if ((c.efer & Cpu.EFER_LMA) != 0) {
            if (((la << 16) >> 16) != la) {
                return -1;
            }
            long table = c.cr3 & ADDR;
            for (int level = 3; level >= 0; level--) {
                long e = readEntry(c, table + (((la >>> (12 + 9 * level)) & 0x1FF) << 3), 8);
                if ((e & P) == 0) {
                    return -1;
                }
                if (level == 0 || (level <= 2 && (e & PS) != 0)) {
                    long m = (1L << (12 + 9 * level)) - 1;
                    return (e & ADDR & ~m) | (la & m);
                }
                table = e & ADDR;
            }
            return -1;
        }
        la &= 0xFFFF_FFFFL;
        if ((c.cr4 & Cpu.CR4_PAE) != 0) {
            long e = readEntry(c, (c.cr3 & 0xFFFF_FFE0L) + ((la >>> 30) << 3), 8);
            for (int level = 1; level >= 0 && (e & P) != 0; level--) {
                e = readEntry(c, (e & ADDR) + (((la >>> (12 + 9 * level)) & 0x1FF) << 3), 8);
                if ((e & P) != 0 && (level == 0 || (e & PS) != 0)) {
                    long m = (1L << (12 + 9 * level)) - 1;
                    return (e & ADDR & ~m) | (la & m);
                }
            }
            return -1;
        }
        long e = readEntry(c, (c.cr3 & 0xFFFF_F000L) + ((la >>> 22) << 2), 4);
        if ((e & P) == 0) {
            return -1;
        }
        if ((e & PS) != 0 && (c.cr4 & Cpu.CR4_PSE) != 0) {
            return (e & 0xFFC0_0000L) | (la & 0x3F_FFFF);
        }
        long e2 = readEntry(c, (e & 0xFFFF_F000L) + (((la >>> 12) & 0x3FF) << 2), 4);
        return (e2 & P) == 0 ? -1 : (e2 & 0xFFFF_F000L) | (la & 0xFFF);
    }
}
