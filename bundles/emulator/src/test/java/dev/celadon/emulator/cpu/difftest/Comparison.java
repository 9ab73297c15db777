package dev.celadon.emulator.cpu.difftest;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Native against emulator for one case: the end (completed, or which exception at which RIP, with CR2 for
 * #PF), the general registers (at the end or at the fault), the defined flags, and the data buffer.
 */
public final class Comparison {
    private static final String[] NAMES = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
            "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"};

    private Comparison() {
    }

    /** The differences, one per line; empty when the emulator agrees with the host. */
    public static List<String> differences(TestCase c, Outcome host, Outcome emu) {
        List<String> d = new ArrayList<>();
        if (host.status() == Outcome.Status.TIMEOUT) {
            d.add("the host did not finish the case (a generator bug)");
            return d;
        }
        if (host.status() != emu.status() || host.vector() != emu.vector() || host.rip() != emu.rip()
                || host.status() == Outcome.Status.EXCEPTION && host.vector() == 14 && host.cr2() != emu.cr2()) {
            d.add("end: host " + host.describeEnd() + ", emulator " + emu.describeEnd());
            if (emu.status() == Outcome.Status.UNSUPPORTED || emu.status() == Outcome.Status.TIMEOUT) return d;
        }
        for (int i = 0; i < 16; i++)
            if ((c.ignoredRegs() & 1 << i) == 0 && host.regs()[i] != emu.regs()[i])
                d.add(String.format("%s: host %016x, emulator %016x (was %016x)", NAMES[i], host.regs()[i], emu.regs()[i], c.regs()[i]));
        long fd = (host.rflags() ^ emu.rflags()) & c.comparedFlags();
        if (fd != 0)
            d.add("rflags: host " + Flags.describe(host.rflags()) + ", emulator " + Flags.describe(emu.rflags())
                    + " (compared " + Flags.describe(c.comparedFlags()) + ", differ " + Flags.describe(fd) + "; was "
                    + Flags.describe(c.rflags()) + ")");
        if (!MemoryRun.same(host.memory(), emu.memory()))
            d.add("memory changes: host " + host.memory() + ", emulator " + emu.memory());
        return d;
    }

    /** A reproducer: the bytes, their disassembly, the initial state, and what differed. */
    public static String reproducer(TestCase c, List<String> differences, String disassembly) {
        StringBuilder s = new StringBuilder();
        s.append("form ").append(c.form()).append('\n');
        s.append("  code  ").append(HexFormat.ofDelimiter(" ").formatHex(c.code())).append('\n');
        if (c.nativeCode() != c.code())
            s.append("  host runs ").append(HexFormat.ofDelimiter(" ").formatHex(c.nativeCode())).append('\n');
        s.append(disassembly);
        s.append("  initial:");
        for (int i = 0; i < 16; i++) s.append(i % 4 == 0 ? "\n   " : "").append(String.format(" %-3s=%016x", NAMES[i], c.regs()[i]));
        s.append("\n    rflags ").append(Flags.describe(c.rflags())).append(String.format(" (%#x)", c.rflags()))
                .append(", data fill seed ").append(String.format("%#x", c.fillSeed())).append(", patches ").append(c.patches()).append('\n');
        for (String d : differences) s.append("  ").append(d).append('\n');
        return s.toString();
    }
}
