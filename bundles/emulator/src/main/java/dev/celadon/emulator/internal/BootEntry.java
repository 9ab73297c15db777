package dev.celadon.emulator.internal;

import dev.celadon.emulator.cpu.Cpu;
import dev.celadon.hypervisor.api.backend.BootState;

/**
 * The boot processor's state at the entry a loader chose: flat 32-bit protected mode with paging off (PVH,
 * Multiboot) or 64-bit long mode with the loader's identity page tables (Linux's 64-bit boot protocol). The same
 * state the KVM backend sets with KVM_SET_SREGS.
 */
final class BootEntry {

    private BootEntry() {
    }

    static void apply(Cpu cpu, BootState boot) {
        if (boot.mode() == BootState.Mode.LONG_64) {
            cpu.bootLongMode(boot.rip(), boot.rsi(), boot.cr3(), boot.gdtBase(), boot.gdtLimit(), boot.codeSelector(),
                    boot.dataSelector());
        } else {
            cpu.bootProtectedMode(boot.rip(), boot.rbx(), boot.gdtBase(), boot.gdtLimit(), boot.codeSelector(),
                    boot.dataSelector());
        }
        cpu.setReg(Cpu.RAX, boot.rax());
        cpu.setReg(Cpu.RSP, boot.rsp());
        cpu.setReg(Cpu.RBX, boot.rbx());
        cpu.setReg(Cpu.RSI, boot.rsi());
    }
}
