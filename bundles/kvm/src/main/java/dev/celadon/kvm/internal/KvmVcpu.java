package dev.celadon.kvm.internal;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import dev.celadon.hypervisor.api.GuestMemoryException;
import dev.celadon.hypervisor.api.Register;
import dev.celadon.hypervisor.api.Segment;
import dev.celadon.hypervisor.api.SegmentState;
import dev.celadon.hypervisor.api.VirtualProcessor;
import dev.celadon.hypervisor.api.backend.BootState;
import dev.celadon.hypervisor.api.backend.CpuidEntry;
import dev.celadon.hypervisor.api.backend.ExitHandler;
import dev.celadon.hypervisor.api.intercept.GeneralProtectionFault;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One virtual processor: its KVM descriptor, its kvm_run page and the thread that runs it. Exits KVM does
 * not finish in the kernel go to the core's {@link ExitHandler} on this thread.
 *
 * <p>Stopping: the thread keeps {@link #KICK_SIGNAL} blocked, except inside KVM_RUN (KVM_SET_SIGNAL_MASK).
 * A kick (tgkill) therefore interrupts KVM_RUN, even while the guest halts in the kernel, but is never
 * delivered to a handler: the thread takes it with sigtimedwait. No native signal handler is needed.
 */
final class KvmVcpu implements VirtualProcessor {

    /** SIGRTMIN+6; glibc keeps 32-33 and the JVM uses none of the real-time signals. */
    static final int KICK_SIGNAL = 40;
    private static final Logger LOG = LoggerFactory.getLogger(KvmVcpu.class);
    private static final int SIGSET_BYTES = 128;

    static {
        // Belt and braces: the kick stays blocked outside KVM_RUN, but under the software-nested kvm_pvm a kick
        // that lands as KVM_RUN returns was seen delivered, and the default action of a real-time signal kills
        // the process. A handler that does nothing makes any delivery harmless. libc's getpid is such a
        // function (async-signal-safe, ignores its argument), so no native code of ours is needed.
        Memory action = new Memory(152); // glibc struct sigaction: handler, 128-byte mask, flags, restorer
        action.clear();
        action.setPointer(0, com.sun.jna.NativeLibrary.getInstance("c").getFunction("getpid"));
        action.setInt(136, 0x10000000); // SA_RESTART: other system calls of the thread carry on
        LibC.sigaction(KICK_SIGNAL, action, Pointer.NULL);
    }

    private final KvmPartition partition;
    private final int index;
    private final int fd;
    private final KvmRun run;
    private final Memory regs = new Memory(144);
    private final Memory sregs = new Memory(312);
    private boolean regsLoaded;
    private boolean regsDirty;
    private boolean sregsLoaded;
    private boolean sregsDirty;
    private volatile boolean stopRequested;
    private volatile long tid;
    private Thread thread;

    KvmVcpu(KvmPartition partition, int index, int fd, KvmRun run) {
        this.partition = partition;
        this.index = index;
        this.fd = fd;
        this.run = run;
    }

    @Override
    public int index() {
        return index;
    }

    int fd() {
        return fd;
    }

    KvmRun run() {
        return run;
    }

    // ---- registers, valid on this VP's thread during an exit ----

    /** Offset of a general register, RIP or RFLAGS in struct kvm_regs; -1 for the ones in kvm_sregs. */
    static long regsOffset(Register r) {
        return switch (r) {
            case RAX -> 0; case RBX -> 8; case RCX -> 16; case RDX -> 24; case RSI -> 32; case RDI -> 40;
            case RSP -> 48; case RBP -> 56; case R8 -> 64; case R9 -> 72; case R10 -> 80; case R11 -> 88;
            case R12 -> 96; case R13 -> 104; case R14 -> 112; case R15 -> 120; case RIP -> 128; case RFLAGS -> 136;
            default -> -1;
        };
    }

    /** Offset of a control register or EFER in struct kvm_sregs (after 8 segments of 24 bytes, GDT and IDT). */
    static long sregsOffset(Register r) {
        return switch (r) {
            case CR0 -> 224; case CR2 -> 232; case CR3 -> 240; case CR4 -> 248; case CR8 -> 256; case EFER -> 264;
            default -> throw new IllegalArgumentException(r.name());
        };
    }

    /** struct kvm_sregs order: cs ds es fs gs ss tr ldt, 24 bytes each (struct kvm_segment). */
    static long segmentOffset(Segment s) {
        return 24L * switch (s) {
            case CS -> 0; case DS -> 1; case ES -> 2; case FS -> 3; case GS -> 4; case SS -> 5; case TR -> 6;
            case LDTR -> 7;
        };
    }

    @Override
    public long register(Register r) {
        long off = regsOffset(r);
        if (off >= 0) {
            loadRegs();
            return regs.getLong(off);
        }
        loadSregs();
        return sregs.getLong(sregsOffset(r));
    }

    @Override
    public void setRegister(Register r, long value) {
        long off = regsOffset(r);
        if (off >= 0) {
            loadRegs();
            regs.setLong(off, value);
            regsDirty = true;
        } else {
            loadSregs();
            sregs.setLong(sregsOffset(r), value);
            sregsDirty = true;
        }
    }

    @Override
    public SegmentState segment(Segment seg) {
        loadSregs();
        long o = segmentOffset(seg);
        int attributes = (sregs.getByte(o + 14) & 0xF)          // type
                | (sregs.getByte(o + 18) & 1) << 4              // s
                | (sregs.getByte(o + 16) & 3) << 5              // dpl
                | (sregs.getByte(o + 15) & 1) << 7              // present
                | (sregs.getByte(o + 21) & 1) << 12             // avl
                | (sregs.getByte(o + 19) & 1) << 13             // l
                | (sregs.getByte(o + 17) & 1) << 14             // db
                | (sregs.getByte(o + 20) & 1) << 15             // g
                | (sregs.getByte(o + 22) & 1) << 16;            // unusable
        return new SegmentState(sregs.getShort(o + 12) & 0xFFFF, sregs.getLong(o), sregs.getInt(o + 8), attributes);
    }

    private void loadSregs() {
        if (!sregsLoaded) {
            LibC.ioctl(fd, KvmIoctl.GET_SREGS, sregs);
            sregsLoaded = true;
        }
    }

    private void loadRegs() {
        if (!regsLoaded) {
            LibC.ioctl(fd, KvmIoctl.GET_REGS, regs);
            regsLoaded = true;
        }
    }

    // ---- set-up ----

    void setCpuid(List<CpuidEntry> entries, CpuModel model) {
        Memory m = new Memory(8 + 40L * entries.size());
        m.clear();
        m.setInt(0, entries.size());
        for (int i = 0; i < entries.size(); i++) {
            CpuidEntry e = entries.get(i);
            long o = 8 + 40L * i;
            m.setInt(o, e.leaf().leaf());
            m.setInt(o + 4, e.leaf().subleaf());
            m.setInt(o + 8, model.flagsOf(e.leaf()));
            m.setInt(o + 12, e.value().eax());
            m.setInt(o + 16, e.value().ebx());
            m.setInt(o + 20, e.value().ecx());
            m.setInt(o + 24, e.value().edx());
        }
        LibC.ioctl(fd, KvmIoctl.SET_CPUID2, m);
    }

    /** Puts the boot processor where the loader says, with flat segments. */
    void setBootState(BootState boot) {
        Memory s = new Memory(312);
        LibC.ioctl(fd, KvmIoctl.GET_SREGS, s);
        boolean long64 = boot.mode() == BootState.Mode.LONG_64;
        segment(s, 0, boot.codeSelector(), 0xB, long64);       // cs
        for (int seg : new int[] {24, 48, 72, 96, 120}) {       // ds es fs gs ss
            segment(s, seg, boot.dataSelector(), 0x3, false);
        }
        // tr: a busy 32/64-bit TSS, which VMX requires to be present
        s.setLong(144, 0);
        s.setInt(152, 0x67);
        s.setShort(156, (short) 0);
        s.setByte(158, (byte) 0xB);
        s.setByte(159, (byte) 1);
        s.setByte(165, (byte) 0); // tr.g
        s.setLong(192, boot.gdtBase());
        s.setShort(200, (short) boot.gdtLimit());
        s.setLong(208, 0);    // idt base
        s.setShort(216, (short) 0);
        if (long64) {
            s.setLong(224, 0x80050033L); // PG WP NE ET MP PE
            s.setLong(240, boot.cr3());
            s.setLong(248, 0x20);        // PAE
            s.setLong(264, 0x500);       // LME LMA
        } else {
            s.setLong(224, 0x11);        // ET PE: protected mode, paging off (PVH)
            s.setLong(248, 0);
            s.setLong(264, 0);
        }
        LibC.ioctl(fd, KvmIoctl.SET_SREGS, s);
        regs.clear();
        regs.setLong(regsOffset(Register.RIP), boot.rip());
        regs.setLong(regsOffset(Register.RSP), boot.rsp());
        regs.setLong(regsOffset(Register.RAX), boot.rax());
        regs.setLong(regsOffset(Register.RBX), boot.rbx());
        regs.setLong(regsOffset(Register.RSI), boot.rsi());
        regs.setLong(regsOffset(Register.RFLAGS), 2);
        LibC.ioctl(fd, KvmIoctl.SET_REGS, regs);
    }

    /** kvm_segment at {@code off}: base 0, limit 4 GiB, present, DPL 0. */
    private static void segment(Memory s, int off, int selector, int type, boolean longCode) {
        s.setLong(off, 0);
        s.setInt(off + 8, 0xFFFFFFFF);
        s.setShort(off + 12, (short) selector);
        s.setByte(off + 14, (byte) type);
        s.setByte(off + 15, (byte) 1);                 // present
        s.setByte(off + 16, (byte) 0);                 // dpl
        s.setByte(off + 17, (byte) (longCode ? 0 : 1)); // db
        s.setByte(off + 18, (byte) 1);                 // s: code/data
        s.setByte(off + 19, (byte) (longCode ? 1 : 0)); // l
        s.setByte(off + 20, (byte) 1);                 // g
        s.setByte(off + 21, (byte) 0);                 // avl
        s.setByte(off + 22, (byte) 0);                 // unusable
    }

    // ---- the run loop ----

    void startThread(String name, ExitHandler exits) {
        thread = new Thread(() -> runLoop(exits), name);
        thread.setDaemon(true);
        thread.start();
    }

    Thread thread() {
        return thread;
    }

    /** Asks the thread to leave KVM_RUN and end; safe from any thread. */
    void kick() {
        stopRequested = true;
        run.setImmediateExit(true);
        long t = tid;
        if (t != 0) {
            try {
                LibC.syscall(LibC.SYS_TGKILL, LibC.getpid(), t, KICK_SIGNAL);
            } catch (LastErrorException e) {
                // ESRCH: the thread has ended already
            }
        }
    }

    private void runLoop(ExitHandler exits) {
        String failure = null;
        Memory kickSet = new Memory(SIGSET_BYTES);
        try {
            kickSet.clear();
            kickSet.setByte((KICK_SIGNAL - 1) / 8, (byte) (1 << ((KICK_SIGNAL - 1) % 8)));
            Memory old = new Memory(SIGSET_BYTES);
            LibC.pthread_sigmask(LibC.SIG_BLOCK, kickSet, old);
            Memory kvmMask = new Memory(4 + 8);
            kvmMask.setInt(0, 8);
            long mask = old.getLong(0) & ~(1L << (KICK_SIGNAL - 1));
            kvmMask.setLong(4, mask);
            LibC.ioctl(fd, KvmIoctl.SET_SIGNAL_MASK, kvmMask);
            tid = LibC.syscall(LibC.SYS_GETTID);
            if (stopRequested) {
                return;
            }
            while (!stopRequested) {
                if (regsDirty) {
                    LibC.ioctl(fd, KvmIoctl.SET_REGS, regs);
                    regsDirty = false;
                }
                if (sregsDirty) {
                    LibC.ioctl(fd, KvmIoctl.SET_SREGS, sregs);
                    sregsDirty = false;
                }
                regsLoaded = false;
                sregsLoaded = false;
                try {
                    LibC.ioctl(fd, KvmIoctl.RUN, 0L);
                } catch (LastErrorException e) {
                    if (e.getErrorCode() == LibC.EINTR || e.getErrorCode() == LibC.EAGAIN) {
                        drainKick(kickSet);
                        continue;
                    }
                    failure = "KVM_RUN failed: " + LibC.describe(e);
                    break;
                }
                failure = handleExit(exits);
                if (failure != null || exited) {
                    break;
                }
            }
        } catch (RuntimeException | Error e) {
            failure = "vCPU thread error: " + e;
            LOG.error("partition {} vCPU {}: {}", partition.name(), index, failure, e);
        } finally {
            tid = 0;
            try {
                exits.vpExited(this, failure);
            } catch (RuntimeException e) {
                LOG.error("vpExited handler failed", e);
            }
        }
    }

    private boolean exited;

    private void drainKick(Memory kickSet) {
        Memory zero = new Memory(16);
        zero.clear();
        while (LibC.sigtimedwait(kickSet, Pointer.NULL, zero) > 0) {
            // consumed a pending kick
        }
    }

    /** Handles one exit; returns a failure reason to end this VP, or null to run on. */
    private String handleExit(ExitHandler exits) {
        Pointer p = run.p;
        int reason = run.exitReason();
        switch (reason) {
            case KvmIoctl.EXIT_IO -> {
                boolean out = p.getByte(KvmRun.IO_DIRECTION) == 1;
                int size = p.getByte(KvmRun.IO_SIZE);
                int port = p.getShort(KvmRun.IO_PORT) & 0xFFFF;
                long count = p.getInt(KvmRun.IO_COUNT) & 0xFFFFFFFFL;
                long dataOffset = p.getLong(KvmRun.IO_DATA_OFFSET);
                if ((size != 1 && size != 2 && size != 4) || dataOffset < 0 || dataOffset + size * count > run.size) {
                    return String.format("malformed I/O exit: port 0x%x size %d count %d offset %d", port, size,
                            count, dataOffset);
                }
                if (out && port == KvmPartition.HYPERCALL_PORT && count == 1) {
                    exits.hypercall(this); // our hypercall page's trapping sequence (KvmPartition.hypercallSequence)
                    return null;
                }
                for (long i = 0; i < count; i++) {
                    long at = dataOffset + i * size;
                    if (out) {
                        int v = switch (size) {
                            case 1 -> p.getByte(at) & 0xFF;
                            case 2 -> p.getShort(at) & 0xFFFF;
                            default -> p.getInt(at);
                        };
                        exits.portWrite(this, port, size, v);
                    } else {
                        int v = exits.portRead(this, port, size);
                        switch (size) {
                            case 1 -> p.setByte(at, (byte) v);
                            case 2 -> p.setShort(at, (short) v);
                            default -> p.setInt(at, v);
                        }
                    }
                }
            }
            case KvmIoctl.EXIT_MMIO -> {
                long addr = p.getLong(KvmRun.MMIO_PHYS_ADDR);
                int len = p.getInt(KvmRun.MMIO_LEN);
                if (len < 1 || len > 8) {
                    return "malformed MMIO exit: length " + len;
                }
                if (p.getByte(KvmRun.MMIO_IS_WRITE) != 0) {
                    long v = 0;
                    for (int i = len - 1; i >= 0; i--) {
                        v = (v << 8) | (p.getByte(KvmRun.MMIO_DATA + i) & 0xFF);
                    }
                    exits.mmioWrite(this, addr, len, v);
                } else {
                    long v = exits.mmioRead(this, addr, len);
                    for (int i = 0; i < len; i++) {
                        p.setByte(KvmRun.MMIO_DATA + i, (byte) (v >>> (8 * i)));
                    }
                }
            }
            case KvmIoctl.EXIT_X86_RDMSR -> {
                try {
                    p.setLong(KvmRun.MSR_DATA, exits.msrRead(this, p.getInt(KvmRun.MSR_INDEX)));
                    p.setByte(KvmRun.MSR_ERROR, (byte) 0);
                } catch (GeneralProtectionFault e) {
                    p.setByte(KvmRun.MSR_ERROR, (byte) 1);
                }
            }
            case KvmIoctl.EXIT_X86_WRMSR -> {
                try {
                    exits.msrWrite(this, p.getInt(KvmRun.MSR_INDEX), p.getLong(KvmRun.MSR_DATA));
                    p.setByte(KvmRun.MSR_ERROR, (byte) 0);
                } catch (GeneralProtectionFault e) {
                    p.setByte(KvmRun.MSR_ERROR, (byte) 1);
                }
            }
            case KvmIoctl.EXIT_INTR -> {
                // a kick: the loop checks the stop flag
            }
            case KvmIoctl.EXIT_HLT -> {
                exited = true; // only without an in-kernel irqchip: nothing can wake the processor
            }
            case KvmIoctl.EXIT_SYSTEM_EVENT -> {
                exited = true;
            }
            case KvmIoctl.EXIT_SHUTDOWN -> {
                return String.format("triple fault (guest shutdown) at RIP 0x%x", register(Register.RIP));
            }
            case KvmIoctl.EXIT_FAIL_ENTRY -> {
                return String.format("KVM could not enter the guest: hardware entry failure reason 0x%x",
                        p.getLong(KvmRun.FAIL_ENTRY_REASON));
            }
            case KvmIoctl.EXIT_INTERNAL_ERROR -> {
                return internalError(p);
            }
            default -> {
                return "unexpected KVM exit reason " + reason + String.format(" at RIP 0x%x", register(Register.RIP));
            }
        }
        return null;
    }

    private String internalError(Pointer p) {
        int sub = p.getInt(KvmRun.INTERNAL_SUBERROR);
        long rip = register(Register.RIP);
        String name = switch (sub) {
            case 1 -> "emulation failure";
            case 2 -> "exception while delivering an exception";
            case 3 -> "failure delivering an event";
            case 4 -> "unexpected exit";
            default -> "internal error " + sub;
        };
        StringBuilder s = new StringBuilder(String.format("%s at RIP 0x%x", name, rip));
        if (sub == 1) {
            byte[] insn = null;
            if ((p.getLong(KvmRun.EMULATION_FLAGS) & 1) != 0 && p.getInt(KvmRun.INTERNAL_NDATA) >= 2) {
                int n = Math.min(15, p.getByte(KvmRun.EMULATION_INSN_SIZE) & 0xFF);
                insn = p.getByteArray(KvmRun.EMULATION_INSN_BYTES, n);
                s.append(": instruction bytes");
            } else {
                try {
                    // Micro-guests and early boot code run identity-mapped, so RIP is a guest-physical address.
                    insn = partition.memory().read(rip, 15);
                    s.append(": bytes at RIP (read as guest-physical)");
                } catch (GuestMemoryException e) {
                    s.append(": instruction bytes unavailable");
                }
            }
            if (insn != null) {
                for (byte b : insn) {
                    s.append(String.format(" %02x", b & 0xFF));
                }
            }
        } else {
            int n = Math.min(16, p.getInt(KvmRun.INTERNAL_NDATA));
            for (int i = 0; i < n; i++) {
                s.append(String.format(" data[%d]=0x%x", i, p.getLong(KvmRun.INTERNAL_DATA + 8L * i)));
            }
        }
        return s.toString();
    }
}
