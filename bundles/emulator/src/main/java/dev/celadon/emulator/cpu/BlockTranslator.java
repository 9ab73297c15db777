package dev.celadon.emulator.cpu;

import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.ConstantDynamic;
import org.objectweb.asm.Handle;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;

import static org.objectweb.asm.Opcodes.*;

/**
 * Generates the class file of one translated block: a subclass of {@link Translated} whose {@code run(Cpu)}
 * executes the block's instructions with their operands as constants.
 *
 * <p>What is emitted inline (see {@link ExecForms}): MOV, MOVZX/MOVSX, LEA, the ALU operations, TEST,
 * INC/DEC, SHL/SHR/SAR by an immediate, SETcc, CMOVcc, and in 64-bit code PUSH/POP/CALL/RET, and Jcc/JMP. The
 * guest registers live in JVM locals inside the block: loaded at first use, written back before anything
 * that can fault or call out (so a fault sees exactly the interpreter's state) and at the end. The lazy flags
 * are written to the Cpu as the interpreter writes them, and a Jcc/SETcc/CMOVcc after a CMP/SUB/ADD/logic
 * operation in the same block tests the operands directly. Memory goes through {@link Cpu#rd}/{@link Cpu#wr}
 * (the TLB fast path). Anything else calls the instruction's handler (the interpreter's code, so exact).
 *
 * <p>Faults: before an instruction that may fault, {@code c.cur} is set to it, as the interpreter does, so
 * {@code Cpu.faulted} rolls back to it. Any instruction that may set {@code stop} (memory accesses: code
 * stores, MMIO; handler calls) is followed by the interpreter's early exit.
 */
final class BlockTranslator {
    /** Generated methods stay well under HotSpot's 8,000-bytecode limit for compilation (HugeMethodLimit). */
    static final int MAX_CODE = 7000;

    static final String CPU = "dev/celadon/emulator/cpu/Cpu";
    static final String INSN = "dev/celadon/emulator/cpu/Insn";
    static final String INSN_D = "L" + INSN + ";";
    static final String EXEC = "dev/celadon/emulator/cpu/Exec";
    static final String FLAGS = "dev/celadon/emulator/cpu/Flags";
    static final String INTOPS = "dev/celadon/emulator/cpu/IntOps";
    static final String BASE = "dev/celadon/emulator/cpu/Translated";
    static final String NAME = "dev/celadon/emulator/cpu/TranslatedBlock";
    private static final Handle CLASS_DATA_AT = new Handle(H_INVOKESTATIC, "java/lang/invoke/MethodHandles", "classDataAt",
            "(Ljava/lang/invoke/MethodHandles$Lookup;Ljava/lang/String;Ljava/lang/Class;I)Ljava/lang/Object;", false);

    // Local slots: 0 this, 1 the Cpu, 2 its register array, then the 16 guest registers, the last flag producer's
    // operands, and temporaries.
    private static final int C = 1, R = 2, REG0 = 3, FDST = 35, FSRC = 37, FRES = 39, TMP0 = 41;

    /** What the lazy flags are known to be, from an instruction earlier in this block. */
    private static final int K_NONE = 0, K_SUB = 1, K_LOGIC = 2, K_ADD = 3;

    private final Insn[] ins;
    private final int mode;
    /** The block's physical page and its generation: a loop inside the block re-checks them. */
    private final long page;
    private final int gen;
    /** Memory accesses as calls to Cpu.rd/wr instead of the inline TLB lookup (smaller code for long blocks). */
    private boolean compact;
    private Label loopHead;
    private MethodVisitor mv;
    private final boolean[] loaded = new boolean[16];
    private final boolean[] dirty = new boolean[16];
    private int known;
    private int knownSize;
    private int tmp;
    /** Instructions emitted inline, and as handler calls (statistics). */
    int inlined, called;

    BlockTranslator(Insn[] ins, int mode, long page, int gen) {
        this.ins = ins;
        this.mode = mode;
        this.page = page;
        this.gen = gen;
    }

    /**
     * The class file, or null when the method would be too large even with compact memory accesses (the
     * block then stays interpreted).
     */
    byte[] generate() {
        byte[] b = generate(false);
        return b != null ? b : generate(true);
    }

    private byte[] generate(boolean compactMemory) {
        compact = compactMemory;
        java.util.Arrays.fill(loaded, false);
        java.util.Arrays.fill(dirty, false);
        known = K_NONE;
        inlined = 0;
        called = 0;
        ClassWriter cw = new ClassWriter(ClassWriter.COMPUTE_FRAMES) {
            @Override
            protected String getCommonSuperClass(String a, String b) {
                return "java/lang/Object"; // only longs, ints and the Cpu/array locals meet: never asked in practice
            }
        };
        cw.visit(V17, ACC_FINAL | ACC_SUPER, NAME, null, BASE, null);
        MethodVisitor init = cw.visitMethod(0, "<init>", "()V", null, null);
        init.visitCode();
        init.visitVarInsn(ALOAD, 0);
        init.visitMethodInsn(INVOKESPECIAL, BASE, "<init>", "()V", false);
        init.visitInsn(RETURN);
        init.visitMaxs(0, 0);
        init.visitEnd();

        mv = cw.visitMethod(0, "run", "(L" + CPU + ";)V", null, null);
        mv.visitCode();
        mv.visitVarInsn(ALOAD, C);
        mv.visitFieldInsn(GETFIELD, CPU, "r", "[J");
        mv.visitVarInsn(ASTORE, R);
        loopHead = new Label();
        mv.visitLabel(loopHead);
        int n = ins.length;
        boolean lastMayStop = false;
        for (int i = 0; i < n; i++) {
            tmp = TMP0;
            lastMayStop = emit(ins[i], i);
            if (lastMayStop && i + 1 < n) {
                stopCheck(ins[i], i);
            }
        }
        flush();
        mv.visitVarInsn(ALOAD, C);
        mv.visitInsn(DUP);
        mv.visitFieldInsn(GETFIELD, CPU, "retired", "J");
        lconst(n);
        mv.visitInsn(LADD);
        mv.visitFieldInsn(PUTFIELD, CPU, "retired", "J");
        mv.visitVarInsn(ALOAD, C);
        mv.visitInsn(ACONST_NULL);
        mv.visitFieldInsn(PUTFIELD, CPU, "cur", INSN_D);
        if (lastMayStop) {
            mv.visitVarInsn(ALOAD, C);
            mv.visitInsn(ICONST_0);
            mv.visitFieldInsn(PUTFIELD, CPU, "stop", "Z");
        }
        mv.visitInsn(RETURN);
        Label end = new Label();
        mv.visitLabel(end);
        int size = end.getOffset();
        mv.visitMaxs(0, 0);
        mv.visitEnd();
        cw.visitEnd();
        return size > MAX_CODE ? null : cw.toByteArray();
    }

    // =====================================================================================================
    // Instructions
    // =====================================================================================================

    /** Emits one instruction; returns whether it may set {@code stop}. */
    private boolean emit(Insn in, int i) {
        ExecForms.Form f = ExecForms.of(in.exec);
        int kind = f == null ? 0 : f.kind();
        boolean mem = in.rm < 0;
        if (kind >= ExecForms.ALU_EG && kind < ExecForms.ALU_EG + 24) {
            int op = (kind - ExecForms.ALU_EG) & 7;
            int form = (kind - ExecForms.ALU_EG) >> 3; // 0 EG, 1 GE, 2 EI
            if (form != 1 && mem && in.lock()) {
                return callHandler(in, f);
            }
            inlined++;
            if (mem) {
                enterFaulting(in);
            }
            alu(in, op, form);
            return mem;
        }
        if (kind >= ExecForms.JCC && kind < ExecForms.JCC + 16) {
            inlined++;
            Label skip = new Label();
            cond(kind - ExecForms.JCC);
            mv.visitJumpInsn(IFEQ, skip);
            if (selfLoop(in, i)) {
                loopBack(i);
            } else {
                setRipRel(in, in.imm);
            }
            mv.visitLabel(skip);
            return false;
        }
        if (kind >= ExecForms.SETCC && kind < ExecForms.SETCC + 16) {
            inlined++;
            if (mem) {
                enterFaulting(in);
            }
            int v = tmp();
            cond(kind - ExecForms.SETCC);
            mv.visitInsn(I2L);
            mv.visitVarInsn(LSTORE, v);
            writeE(in, v);
            return mem;
        }
        if (kind >= ExecForms.CMOV && kind < ExecForms.CMOV + 16) {
            inlined++;
            if (mem) {
                enterFaulting(in);
            }
            int v = tmp();
            readE(in);
            mv.visitVarInsn(LSTORE, v);
            ensureLoaded(in.reg);
            Label no = new Label(), done = new Label();
            cond(kind - ExecForms.CMOV);
            mv.visitJumpInsn(IFEQ, no);
            mv.visitVarInsn(LLOAD, v);
            setReg(in.reg, in.size);
            mv.visitJumpInsn(GOTO, done);
            mv.visitLabel(no);
            if (in.size == 4) {
                loadReg(in.reg);
                lconst(0xFFFF_FFFFL);
                mv.visitInsn(LAND);
                storeReg(in.reg);
            }
            mv.visitLabel(done);
            return mem;
        }
        switch (kind) {
            case ExecForms.NOP:
                inlined++;
                return false;
            case ExecForms.MOV_EG: {
                inlined++;
                if (mem) {
                    enterFaulting(in);
                }
                int v = tmp();
                getReg(in.reg, in.size);
                mv.visitVarInsn(LSTORE, v);
                writeE(in, v);
                return mem;
            }
            case ExecForms.MOV_GE:
                inlined++;
                if (mem) {
                    enterFaulting(in);
                }
                readE(in);
                setReg(in.reg, in.size);
                return mem;
            case ExecForms.MOV_EI: {
                inlined++;
                if (mem) {
                    enterFaulting(in);
                }
                int v = tmp();
                lconst(in.imm);
                mv.visitVarInsn(LSTORE, v);
                writeE(in, v);
                return mem;
            }
            case ExecForms.MOVZX:
            case ExecForms.MOVSX:
                inlined++;
                if (mem) {
                    enterFaulting(in);
                }
                if (mem) {
                    read(in, in.op2);
                } else {
                    getReg(in.rm, in.op2);
                }
                if (kind == ExecForms.MOVSX) {
                    signExtend(in.op2);
                }
                setReg(in.reg, in.size);
                return mem;
            case ExecForms.LEA:
                inlined++;
                effective(in);
                maskAddress(in);
                setReg(in.reg, in.size);
                return false;
            case ExecForms.TEST_EG:
            case ExecForms.TEST_EI: {
                inlined++;
                if (mem) {
                    enterFaulting(in);
                }
                readE(in);
                if (kind == ExecForms.TEST_EG) {
                    getReg(in.reg, in.size);
                } else {
                    lconst(in.imm & Flags.MASK[in.size]);
                }
                mv.visitInsn(LAND);
                mv.visitVarInsn(LSTORE, FRES);
                flagsLogic(in.size);
                return mem;
            }
            case ExecForms.INC:
            case ExecForms.DEC:
                if (mem && in.lock()) {
                    return callHandler(in, f);
                }
                inlined++;
                if (mem) {
                    enterFaulting(in);
                }
                incDec(in, kind == ExecForms.INC);
                return mem;
            case ExecForms.SHIFT:
                if (mem) {
                    return callHandler(in, f);
                }
                inlined++;
                shiftImm(in);
                return false;
            case ExecForms.DIRECT:
                if (!mem || f.method().startsWith("imul")) {
                    switch (f.method()) {
                        case "shiftCl": inlined++; shiftCl(in); return false;
                        case "imul2": case "imul3":
                            if (in.size >= 2) {
                                inlined++;
                                if (mem) {
                                    enterFaulting(in);
                                }
                                imul(in, f.method().equals("imul3"));
                                return mem;
                            }
                            break;
                        default: break;
                    }
                }
                return callHandler(in, f);
            case ExecForms.JMP_REL:
                inlined++;
                if (selfLoop(in, i)) {
                    loopBack(i);
                    mv.visitLabel(new Label()); // unreachable: the fall-through end is still emitted
                } else {
                    setRipRel(in, in.imm);
                }
                return false;
            case ExecForms.PUSH_R:
            case ExecForms.PUSH_I:
            case ExecForms.POP_R:
            case ExecForms.CALL_REL:
            case ExecForms.RET:
                if (mode != 8) {
                    return callHandler(in, f);
                }
                inlined++;
                enterFaulting(in);
                stack(in, kind);
                return true;
            default:
                return callHandler(in, f);
        }
    }

    /** The instruction's handler: a direct call when the form names one, else through its Exec. */
    private boolean callHandler(Insn in, ExecForms.Form f) {
        called++;
        enterFaulting(in);
        if (f != null && f.kind() == ExecForms.DIRECT) {
            mv.visitVarInsn(ALOAD, C);
            insn(in);
            mv.visitMethodInsn(INVOKESTATIC, f.owner().getName().replace('.', '/'), f.method(),
                    "(L" + CPU + ";" + INSN_D + ")V", false);
        } else {
            insn(in);
            mv.visitFieldInsn(GETFIELD, INSN, "exec", "L" + EXEC + ";");
            mv.visitVarInsn(ALOAD, C);
            insn(in);
            mv.visitMethodInsn(INVOKEINTERFACE, EXEC, "run", "(L" + CPU + ";" + INSN_D + ")V", true);
        }
        // The handler may have read or written any register and the flags.
        java.util.Arrays.fill(loaded, false);
        known = K_NONE;
        return true;
    }

    /** Before an instruction that may fault or call out: registers written back, {@code c.cur} = it. */
    private void enterFaulting(Insn in) {
        flush();
        mv.visitVarInsn(ALOAD, C);
        insn(in);
        mv.visitFieldInsn(PUTFIELD, CPU, "cur", INSN_D);
    }

    /** The interpreter's early exit after an instruction that set {@code stop}. */
    private void stopCheck(Insn in, int i) {
        Label go = new Label();
        mv.visitVarInsn(ALOAD, C);
        mv.visitFieldInsn(GETFIELD, CPU, "stop", "Z");
        mv.visitJumpInsn(IFEQ, go);
        flushCopy();
        mv.visitVarInsn(ALOAD, C);
        mv.visitInsn(ICONST_0);
        mv.visitFieldInsn(PUTFIELD, CPU, "stop", "Z");
        mv.visitVarInsn(ALOAD, C);
        blockBase();
        lconst(in.end);
        mv.visitInsn(LADD);
        mv.visitFieldInsn(PUTFIELD, CPU, "rip", "J");
        mv.visitVarInsn(ALOAD, C);
        mv.visitInsn(DUP);
        mv.visitFieldInsn(GETFIELD, CPU, "retired", "J");
        lconst(i + 1);
        mv.visitInsn(LADD);
        mv.visitFieldInsn(PUTFIELD, CPU, "retired", "J");
        mv.visitVarInsn(ALOAD, C);
        mv.visitInsn(ACONST_NULL);
        mv.visitFieldInsn(PUTFIELD, CPU, "cur", INSN_D);
        mv.visitInsn(RETURN);
        mv.visitLabel(go);
    }

    private void alu(Insn in, int op, int form) {
        int size = in.size;
        boolean mem = in.rm < 0;
        int la = -1;
        // dst
        if (form == 1) {
            readE(in);
            lconst(Flags.MASK[size]);
            mv.visitInsn(LAND);
            mv.visitVarInsn(LSTORE, FSRC);
            getReg(in.reg, size);
            mv.visitVarInsn(LSTORE, FDST);
        } else {
            if (form == 0) {
                getReg(in.reg, size);
            } else {
                lconst(in.imm & Flags.MASK[size]);
            }
            mv.visitVarInsn(LSTORE, FSRC);
            if (mem) {
                la = tmp();
                address(in);
                mv.visitVarInsn(LSTORE, la);
                mv.visitVarInsn(LLOAD, la);
                load(size);
            } else {
                getReg(in.rm, size);
            }
            mv.visitVarInsn(LSTORE, FDST);
        }
        long mask = Flags.MASK[size];
        switch (op) {
            case 0: case 5: case 7:
                mv.visitVarInsn(LLOAD, FDST);
                mv.visitVarInsn(LLOAD, FSRC);
                mv.visitInsn(op == 0 ? LADD : LSUB);
                lconst(mask);
                mv.visitInsn(LAND);
                mv.visitVarInsn(LSTORE, FRES);
                flagsArith(op == 0 ? Flags.ADD : Flags.SUB, size);
                known = op == 0 ? K_ADD : K_SUB;
                knownSize = size;
                break;
            case 1: case 4: case 6:
                mv.visitVarInsn(LLOAD, FDST);
                mv.visitVarInsn(LLOAD, FSRC);
                mv.visitInsn(op == 1 ? LOR : op == 4 ? LAND : LXOR);
                mv.visitVarInsn(LSTORE, FRES);
                flagsLogic(size);
                break;
            default: // ADC, SBB: the interpreter's own arithmetic (it reads CF)
                mv.visitVarInsn(ALOAD, C);
                iconst(op);
                mv.visitVarInsn(LLOAD, FDST);
                mv.visitVarInsn(LLOAD, FSRC);
                iconst(size);
                mv.visitMethodInsn(INVOKESTATIC, INTOPS, "alu", "(L" + CPU + ";IJJI)J", false);
                mv.visitVarInsn(LSTORE, FRES);
                known = K_NONE;
                break;
        }
        if (op == 7) {
            return;
        }
        if (form == 1) {
            mv.visitVarInsn(LLOAD, FRES);
            setReg(in.reg, size);
        } else if (mem) {
            mv.visitVarInsn(LLOAD, la);
            mv.visitVarInsn(LLOAD, FRES);
            store(size);
        } else {
            mv.visitVarInsn(LLOAD, FRES);
            setReg(in.rm, size);
        }
    }

    private void incDec(Insn in, boolean inc) {
        int size = in.size;
        int cf = tmp();
        carry();
        mv.visitInsn(I2L);
        mv.visitVarInsn(LSTORE, cf);
        int la = -1;
        if (in.rm >= 0) {
            getReg(in.rm, size);
        } else {
            la = tmp();
            address(in);
            mv.visitVarInsn(LSTORE, la);
            mv.visitVarInsn(LLOAD, la);
            load(size);
        }
        mv.visitVarInsn(LSTORE, FDST);
        mv.visitVarInsn(LLOAD, FDST);
        lconst(1);
        mv.visitInsn(inc ? LADD : LSUB);
        lconst(Flags.MASK[size]);
        mv.visitInsn(LAND);
        mv.visitVarInsn(LSTORE, FRES);
        if (in.rm >= 0) {
            mv.visitVarInsn(LLOAD, FRES);
            setReg(in.rm, size);
        } else {
            mv.visitVarInsn(LLOAD, la);
            mv.visitVarInsn(LLOAD, FRES);
            store(size);
        }
        lconst(1);
        mv.visitVarInsn(LSTORE, FSRC);
        flagsArith(inc ? Flags.INC : Flags.DEC, size);
        mv.visitVarInsn(ALOAD, C);
        mv.visitVarInsn(LLOAD, cf);
        mv.visitFieldInsn(PUTFIELD, CPU, "lfAux", "J");
        known = K_NONE;
    }

    /** SHL/SAL/SHR/SAR of a register by an immediate: the interpreter's shiftOp with constants. */
    private void shiftImm(Insn in) {
        int size = in.size;
        int cnt = (int) in.imm & (size == 8 ? 63 : 31);
        getReg(in.rm, size);
        if (cnt != 0) {
            int d = tmp();
            mv.visitVarInsn(LSTORE, d);
            mv.visitVarInsn(ALOAD, C);
            iconst(in.op2);
            mv.visitVarInsn(LLOAD, d);
            iconst(cnt);
            iconst(size);
            mv.visitMethodInsn(INVOKESTATIC, INTOPS, "shiftOp", "(L" + CPU + ";IJII)J", false);
            known = K_NONE;
        }
        setReg(in.rm, size);
    }

    /** A shift or rotate of a register by CL: no change (not even flags) for a zero count, as IntOps.shiftBy. */
    private void shiftCl(Insn in) {
        int size = in.size;
        int cnt = tmp();
        loadReg(Cpu.RCX);
        mv.visitInsn(L2I);
        iconst(size == 8 ? 63 : 31);
        mv.visitInsn(IAND);
        mv.visitVarInsn(ISTORE, cnt);
        int d = tmp();
        getReg(in.rm, size);
        mv.visitVarInsn(LSTORE, d);
        Label zero = new Label();
        mv.visitVarInsn(ILOAD, cnt);
        mv.visitJumpInsn(IFEQ, zero);
        mv.visitVarInsn(ALOAD, C);
        iconst(in.op2);
        mv.visitVarInsn(LLOAD, d);
        mv.visitVarInsn(ILOAD, cnt);
        iconst(size);
        mv.visitMethodInsn(INVOKESTATIC, INTOPS, "shiftOp", "(L" + CPU + ";IJII)J", false);
        mv.visitVarInsn(LSTORE, d);
        mv.visitLabel(zero);
        ensureLoaded(in.rm); // not inside the branch: the local must be valid on both paths
        mv.visitVarInsn(LLOAD, d);
        setReg(in.rm, size);
        known = K_NONE;
    }

    /** IMUL Gv, Ev [, imm]: the interpreter's imulTrunc with the operand size as a constant. */
    private void imul(Insn in, boolean three) {
        int size = in.size;
        int a = tmp();
        int b = tmp();
        readE(in);
        mv.visitVarInsn(LSTORE, b);
        if (three) {
            mv.visitVarInsn(LLOAD, b);
            mv.visitVarInsn(LSTORE, a);
            lconst(in.imm);
            mv.visitVarInsn(LSTORE, b);
        } else {
            getReg(in.reg, size);
            mv.visitVarInsn(LSTORE, a);
        }
        ensureLoaded(in.reg);
        mv.visitVarInsn(ALOAD, C);
        mv.visitVarInsn(LLOAD, a);
        mv.visitVarInsn(LLOAD, b);
        iconst(size);
        mv.visitMethodInsn(INVOKESTATIC, INTOPS, "imulTrunc", "(L" + CPU + ";JJI)J", false);
        setReg(in.reg, size);
        known = K_NONE;
    }

    /**
     * A branch back to the start of its own block, in a block that calls no handler (so nothing in it can
     * change the mode, the TLB or the shadow): the block loops inside the method, checking at each iteration
     * what the run loop checks at a block boundary (events, and that the page was not written).
     */
    private boolean selfLoop(Insn in, int i) {
        return i == ins.length - 1 && in.end + in.imm == 0 && mode == 8 && in.size == 8 && called == 0;
    }

    private void loopBack(int i) {
        Label exit = new Label();
        flushCopy();
        mv.visitVarInsn(ALOAD, C);
        mv.visitInsn(DUP);
        mv.visitFieldInsn(GETFIELD, CPU, "retired", "J");
        lconst(ins.length);
        mv.visitInsn(LADD);
        mv.visitFieldInsn(PUTFIELD, CPU, "retired", "J");
        mv.visitVarInsn(ALOAD, C);
        mv.visitMethodInsn(INVOKEVIRTUAL, CPU, "eventsPending", "()Z", false);
        mv.visitJumpInsn(IFNE, exit);
        mv.visitVarInsn(ALOAD, C);
        mv.visitFieldInsn(GETFIELD, CPU, "mem", "Ldev/celadon/emulator/cpu/PhysicalMemory;");
        lconst(page);
        mv.visitMethodInsn(INVOKEVIRTUAL, "dev/celadon/emulator/cpu/PhysicalMemory", "generation", "(J)I", false);
        iconst(gen);
        mv.visitJumpInsn(IF_ICMPNE, exit);
        mv.visitJumpInsn(GOTO, loopHead);
        mv.visitLabel(exit);
        // The boundary needs the run loop: the branch is taken, the block's instructions are counted.
        mv.visitVarInsn(ALOAD, C);
        blockBase();
        mv.visitFieldInsn(PUTFIELD, CPU, "rip", "J");
        mv.visitVarInsn(ALOAD, C);
        mv.visitInsn(ACONST_NULL);
        mv.visitFieldInsn(PUTFIELD, CPU, "cur", INSN_D);
        mv.visitInsn(RETURN);
    }

    /** PUSH r/imm, POP r, CALL rel, RET [imm] in 64-bit code (the stack address size is 64 bits). */
    private void stack(Insn in, int kind) {
        int size = in.size;
        switch (kind) {
            case ExecForms.PUSH_R:
            case ExecForms.PUSH_I:
            case ExecForms.CALL_REL: {
                int v = tmp();
                if (kind == ExecForms.PUSH_R) {
                    getReg(in.reg, size);
                } else if (kind == ExecForms.PUSH_I) {
                    lconst(in.imm);
                } else {
                    blockBase();
                    lconst(in.end);
                    mv.visitInsn(LADD);
                }
                mv.visitVarInsn(LSTORE, v);
                int sp = tmp();
                loadReg(Cpu.RSP);
                lconst(size);
                mv.visitInsn(LSUB);
                mv.visitVarInsn(LSTORE, sp);
                mv.visitVarInsn(LLOAD, sp);
                mv.visitVarInsn(LLOAD, v);
                store(size);
                mv.visitVarInsn(LLOAD, sp);
                storeReg(Cpu.RSP);
                if (kind == ExecForms.CALL_REL) {
                    mv.visitVarInsn(ALOAD, C);
                    mv.visitVarInsn(LLOAD, v);
                    lconst(in.imm);
                    mv.visitInsn(LADD);
                    truncateIp(size);
                    mv.visitFieldInsn(PUTFIELD, CPU, "rip", "J");
                }
                return;
            }
            default: { // POP_R, RET
                int v = tmp();
                loadReg(Cpu.RSP);
                load(size);
                mv.visitVarInsn(LSTORE, v);
                loadReg(Cpu.RSP);
                lconst(size + (kind == ExecForms.RET ? in.imm : 0));
                mv.visitInsn(LADD);
                storeReg(Cpu.RSP);
                if (kind == ExecForms.POP_R) {
                    mv.visitVarInsn(LLOAD, v);
                    setReg(in.reg, size);
                } else {
                    mv.visitVarInsn(ALOAD, C);
                    mv.visitVarInsn(LLOAD, v);
                    truncateIp(size);
                    mv.visitFieldInsn(PUTFIELD, CPU, "rip", "J");
                }
            }
        }
    }

    /** c.rip = ip(blockBase + end + rel, size): a taken relative branch. */
    private void setRipRel(Insn in, long rel) {
        mv.visitVarInsn(ALOAD, C);
        blockBase();
        lconst(in.end + rel);
        mv.visitInsn(LADD);
        truncateIp(in.size);
        mv.visitFieldInsn(PUTFIELD, CPU, "rip", "J");
    }

    private void truncateIp(int size) {
        if (size == 4) {
            lconst(0xFFFF_FFFFL);
            mv.visitInsn(LAND);
        } else if (size == 2) {
            lconst(0xFFFF);
            mv.visitInsn(LAND);
        }
    }

    // =====================================================================================================
    // Flags
    // =====================================================================================================

    private void flagsArith(int op, int size) {
        mv.visitVarInsn(ALOAD, C);
        iconst(op);
        mv.visitFieldInsn(PUTFIELD, CPU, "lfOp", "I");
        mv.visitVarInsn(ALOAD, C);
        iconst(size);
        mv.visitFieldInsn(PUTFIELD, CPU, "lfSize", "I");
        mv.visitVarInsn(ALOAD, C);
        mv.visitVarInsn(LLOAD, FDST);
        mv.visitFieldInsn(PUTFIELD, CPU, "lfDst", "J");
        mv.visitVarInsn(ALOAD, C);
        mv.visitVarInsn(LLOAD, FSRC);
        mv.visitFieldInsn(PUTFIELD, CPU, "lfSrc", "J");
        mv.visitVarInsn(ALOAD, C);
        mv.visitVarInsn(LLOAD, FRES);
        mv.visitFieldInsn(PUTFIELD, CPU, "lfRes", "J");
    }

    private void flagsLogic(int size) {
        mv.visitVarInsn(ALOAD, C);
        iconst(Flags.LOGIC);
        mv.visitFieldInsn(PUTFIELD, CPU, "lfOp", "I");
        mv.visitVarInsn(ALOAD, C);
        iconst(size);
        mv.visitFieldInsn(PUTFIELD, CPU, "lfSize", "I");
        mv.visitVarInsn(ALOAD, C);
        mv.visitVarInsn(LLOAD, FRES);
        mv.visitFieldInsn(PUTFIELD, CPU, "lfRes", "J");
        known = K_LOGIC;
        knownSize = size;
    }

    /** Pushes CF (int 0/1). */
    private void carry() {
        switch (known) {
            case K_SUB: unsignedCompare(FDST, FSRC); boolJump(IFLT); return;
            case K_ADD: unsignedCompare(FRES, FDST); boolJump(IFLT); return;
            case K_LOGIC: mv.visitInsn(ICONST_0); return;
            default:
                mv.visitVarInsn(ALOAD, C);
                mv.visitMethodInsn(INVOKESTATIC, FLAGS, "cf", "(L" + CPU + ";)Z", false);
        }
    }

    /** Pushes condition cc (int 0/1), Jcc order. */
    private void cond(int cc) {
        int pair = cc >> 1;
        boolean done = true;
        switch (known) {
            case K_SUB:
                switch (pair) {
                    case 1: unsignedCompare(FDST, FSRC); boolJump(IFLT); break;
                    case 2: mv.visitVarInsn(LLOAD, FRES); mv.visitInsn(LCONST_0); mv.visitInsn(LCMP); boolJump(IFEQ); break;
                    case 3: unsignedCompare(FDST, FSRC); boolJump(IFLE); break;
                    case 4: sign(); break;
                    case 6: signedCompare(); boolJump(IFLT); break;
                    case 7: signedCompare(); boolJump(IFLE); break;
                    default: done = false; break;
                }
                break;
            case K_LOGIC:
                switch (pair) {
                    case 0: case 1: mv.visitInsn(ICONST_0); break;
                    case 2: case 3: mv.visitVarInsn(LLOAD, FRES); mv.visitInsn(LCONST_0); mv.visitInsn(LCMP); boolJump(IFEQ); break;
                    case 4: case 6: sign(); break;
                    case 7: {
                        // ZF || SF: the result as a signed value of its size is <= 0
                        mv.visitVarInsn(LLOAD, FRES);
                        signExtend(knownSize);
                        mv.visitInsn(LCONST_0);
                        mv.visitInsn(LCMP);
                        boolJump(IFLE);
                        break;
                    }
                    default: done = false; break;
                }
                break;
            case K_ADD:
                switch (pair) {
                    case 1: unsignedCompare(FRES, FDST); boolJump(IFLT); break;
                    case 2: mv.visitVarInsn(LLOAD, FRES); mv.visitInsn(LCONST_0); mv.visitInsn(LCMP); boolJump(IFEQ); break;
                    case 4: sign(); break;
                    default: done = false; break;
                }
                break;
            default:
                done = false;
                break;
        }
        if (!done) {
            mv.visitVarInsn(ALOAD, C);
            iconst(cc);
            mv.visitMethodInsn(INVOKESTATIC, FLAGS, "cond", "(L" + CPU + ";I)Z", false);
            return;
        }
        if ((cc & 1) != 0) {
            mv.visitInsn(ICONST_1);
            mv.visitInsn(IXOR);
        }
    }

    /** SF of the known result: pushes int 0/1. */
    private void sign() {
        mv.visitVarInsn(LLOAD, FRES);
        lconst(Flags.SIGN[knownSize]);
        mv.visitInsn(LAND);
        mv.visitInsn(LCONST_0);
        mv.visitInsn(LCMP);
        boolJump(IFNE);
    }

    private void unsignedCompare(int a, int b) {
        mv.visitVarInsn(LLOAD, a);
        lconst(Long.MIN_VALUE);
        mv.visitInsn(LXOR);
        mv.visitVarInsn(LLOAD, b);
        lconst(Long.MIN_VALUE);
        mv.visitInsn(LXOR);
        mv.visitInsn(LCMP);
    }

    private void signedCompare() {
        mv.visitVarInsn(LLOAD, FDST);
        signExtend(knownSize);
        mv.visitVarInsn(LLOAD, FSRC);
        signExtend(knownSize);
        mv.visitInsn(LCMP);
    }

    /** Turns the int on the stack into 1 when the branch opcode's test holds, else 0. */
    private void boolJump(int opcode) {
        Label t = new Label(), end = new Label();
        mv.visitJumpInsn(opcode, t);
        mv.visitInsn(ICONST_0);
        mv.visitJumpInsn(GOTO, end);
        mv.visitLabel(t);
        mv.visitInsn(ICONST_1);
        mv.visitLabel(end);
    }

    // =====================================================================================================
    // Operands
    // =====================================================================================================

    private void readE(Insn in) {
        if (in.rm >= 0) {
            getReg(in.rm, in.size);
        } else {
            read(in, in.size);
        }
    }

    /** Pushes a memory operand of {@code size} bytes (c.rd). */
    private void read(Insn in, int size) {
        address(in);
        load(size);
    }

    /** Writes the value in local {@code v} to the r/m operand. */
    private void writeE(Insn in, int v) {
        if (in.rm >= 0) {
            mv.visitVarInsn(LLOAD, v);
            setReg(in.rm, in.size);
        } else {
            address(in);
            mv.visitVarInsn(LLOAD, v);
            store(in.size);
        }
    }

    private static final String BB = "java/nio/ByteBuffer";

    /**
     * Pops a linear address, pushes the value of {@code size} bytes there: Cpu.rd's TLB hit inline (the JIT
     * does not reliably inline Cpu.rd into large generated methods), Cpu.rdSlow otherwise.
     */
    private void load(int size) {
        if (compact) {
            int la = tmp();
            mv.visitVarInsn(LSTORE, la);
            mv.visitVarInsn(ALOAD, C);
            mv.visitVarInsn(LLOAD, la);
            iconst(size);
            mv.visitMethodInsn(INVOKEVIRTUAL, CPU, "rd", "(JI)J", false);
            return;
        }
        int la = tmp(), i = tmp(), po = tmp(), buf = tmp();
        Label slow = new Label(), done = new Label();
        tlbHit(la, i, po, buf, size, 0, slow);
        mv.visitVarInsn(ALOAD, buf);
        mv.visitVarInsn(ALOAD, C);
        mv.visitFieldInsn(GETFIELD, CPU, "tlbOff", "[I");
        mv.visitVarInsn(ILOAD, i);
        mv.visitInsn(IALOAD);
        mv.visitVarInsn(ILOAD, po);
        mv.visitInsn(IADD);
        switch (size) {
            case 1:
                mv.visitMethodInsn(INVOKEVIRTUAL, BB, "get", "(I)B", false);
                mv.visitInsn(I2L);
                lconst(0xFF);
                mv.visitInsn(LAND);
                break;
            case 2:
                mv.visitMethodInsn(INVOKEVIRTUAL, BB, "getShort", "(I)S", false);
                mv.visitInsn(I2L);
                lconst(0xFFFF);
                mv.visitInsn(LAND);
                break;
            case 4:
                mv.visitMethodInsn(INVOKEVIRTUAL, BB, "getInt", "(I)I", false);
                mv.visitInsn(I2L);
                lconst(0xFFFF_FFFFL);
                mv.visitInsn(LAND);
                break;
            default:
                mv.visitMethodInsn(INVOKEVIRTUAL, BB, "getLong", "(I)J", false);
                break;
        }
        mv.visitMethodInsn(INVOKESTATIC, "java/lang/invoke/VarHandle", "acquireFence", "()V", false);
        mv.visitJumpInsn(GOTO, done);
        mv.visitLabel(slow);
        mv.visitVarInsn(ALOAD, C);
        mv.visitVarInsn(LLOAD, la);
        iconst(size);
        user();
        mv.visitMethodInsn(INVOKEVIRTUAL, CPU, "rdSlow", "(JIZ)J", false);
        mv.visitLabel(done);
    }

    /** Pops a value and a linear address, stores: Cpu.wr's TLB hit inline (with its code-page check), else wrSlow. */
    private void store(int size) {
        int v = tmp();
        mv.visitVarInsn(LSTORE, v);
        if (compact) {
            int la = tmp();
            mv.visitVarInsn(LSTORE, la);
            mv.visitVarInsn(ALOAD, C);
            mv.visitVarInsn(LLOAD, la);
            iconst(size);
            mv.visitVarInsn(LLOAD, v);
            mv.visitMethodInsn(INVOKEVIRTUAL, CPU, "wr", "(JIJ)V", false);
            return;
        }
        int la = tmp(), i = tmp(), po = tmp(), buf = tmp();
        Label slow = new Label(), done = new Label();
        tlbHit(la, i, po, buf, size, Cpu.TLB_SIZE, slow);
        mv.visitMethodInsn(INVOKESTATIC, "java/lang/invoke/VarHandle", "releaseFence", "()V", false);
        mv.visitVarInsn(ALOAD, buf);
        mv.visitVarInsn(ALOAD, C);
        mv.visitFieldInsn(GETFIELD, CPU, "tlbOff", "[I");
        mv.visitVarInsn(ILOAD, i);
        mv.visitInsn(IALOAD);
        mv.visitVarInsn(ILOAD, po);
        mv.visitInsn(IADD);
        mv.visitVarInsn(LLOAD, v);
        switch (size) {
            case 1: mv.visitInsn(L2I); mv.visitInsn(I2B); mv.visitMethodInsn(INVOKEVIRTUAL, BB, "put", "(IB)L" + BB + ";", false); break;
            case 2: mv.visitInsn(L2I); mv.visitInsn(I2S); mv.visitMethodInsn(INVOKEVIRTUAL, BB, "putShort", "(IS)L" + BB + ";", false); break;
            case 4: mv.visitInsn(L2I); mv.visitMethodInsn(INVOKEVIRTUAL, BB, "putInt", "(II)L" + BB + ";", false); break;
            default: mv.visitMethodInsn(INVOKEVIRTUAL, BB, "putLong", "(IJ)L" + BB + ";", false); break;
        }
        mv.visitInsn(POP);
        // A store into a page holding decoded code: Cpu.codeHit decides whether it hit code (and ends the block).
        int pg = tmp();
        mv.visitVarInsn(ALOAD, C);
        mv.visitFieldInsn(GETFIELD, CPU, "tlbPhys", "[J");
        mv.visitVarInsn(ILOAD, i);
        mv.visitInsn(LALOAD);
        iconst(12);
        mv.visitInsn(LUSHR);
        mv.visitVarInsn(LSTORE, pg);
        mv.visitVarInsn(ALOAD, C);
        mv.visitFieldInsn(GETFIELD, CPU, "mem", "Ldev/celadon/emulator/cpu/PhysicalMemory;");
        mv.visitVarInsn(LLOAD, pg);
        mv.visitMethodInsn(INVOKEVIRTUAL, "dev/celadon/emulator/cpu/PhysicalMemory", "hasCode", "(J)Z", false);
        mv.visitJumpInsn(IFEQ, done);
        mv.visitVarInsn(ALOAD, C);
        mv.visitVarInsn(LLOAD, pg);
        mv.visitVarInsn(ILOAD, po);
        mv.visitVarInsn(ILOAD, po);
        iconst(size);
        mv.visitInsn(IADD);
        mv.visitMethodInsn(INVOKEVIRTUAL, CPU, "codeHit", "(JII)V", false);
        mv.visitJumpInsn(GOTO, done);
        mv.visitLabel(slow);
        mv.visitVarInsn(ALOAD, C);
        mv.visitVarInsn(LLOAD, la);
        iconst(size);
        mv.visitVarInsn(LLOAD, v);
        user();
        mv.visitMethodInsn(INVOKEVIRTUAL, CPU, "wrSlow", "(JIJZ)V", false);
        mv.visitLabel(done);
    }

    /**
     * Pops the linear address into {@code la}; falls through with the TLB entry's buffer in {@code buf} when
     * the entry of this kind ({@code set}: 0 read, TLB_SIZE write) matches, the access stays in the page and
     * the page is RAM; else jumps to {@code slow}. The same test as Cpu.rd/wr.
     */
    private void tlbHit(int la, int i, int po, int buf, int size, int set, Label slow) {
        mv.visitVarInsn(LSTORE, la);
        mv.visitVarInsn(LLOAD, la);
        iconst(12);
        mv.visitInsn(LUSHR);
        mv.visitInsn(L2I);
        iconst(Cpu.TLB_MASK);
        mv.visitInsn(IAND);
        if (set != 0) {
            iconst(set);
            mv.visitInsn(IADD);
        }
        mv.visitVarInsn(ISTORE, i);
        mv.visitVarInsn(LLOAD, la);
        mv.visitInsn(L2I);
        iconst(0xFFF);
        mv.visitInsn(IAND);
        mv.visitVarInsn(ISTORE, po);
        mv.visitVarInsn(ALOAD, C);
        mv.visitFieldInsn(GETFIELD, CPU, "tlbTag", "[J");
        mv.visitVarInsn(ILOAD, i);
        mv.visitInsn(LALOAD);
        mv.visitVarInsn(LLOAD, la);
        lconst(~0xFFFL);
        mv.visitInsn(LAND);
        mv.visitVarInsn(ALOAD, C);
        mv.visitFieldInsn(GETFIELD, CPU, "tlbUser", "J");
        mv.visitInsn(LOR);
        mv.visitInsn(LCMP);
        mv.visitJumpInsn(IFNE, slow);
        mv.visitVarInsn(ILOAD, po);
        iconst(4096 - size);
        mv.visitJumpInsn(IF_ICMPGT, slow);
        mv.visitVarInsn(ALOAD, C);
        mv.visitFieldInsn(GETFIELD, CPU, "tlbBuf", "[L" + BB + ";");
        mv.visitVarInsn(ILOAD, i);
        mv.visitInsn(AALOAD);
        mv.visitInsn(DUP);
        mv.visitVarInsn(ASTORE, buf);
        mv.visitJumpInsn(IFNULL, slow);
    }

    /** Pushes tlbUser != 0 (boolean). */
    private void user() {
        mv.visitVarInsn(ALOAD, C);
        mv.visitFieldInsn(GETFIELD, CPU, "tlbUser", "J");
        mv.visitInsn(LCONST_0);
        mv.visitInsn(LCMP);
        boolJump(IFNE);
    }

    /** Pushes the effective address (offset, no segment): Cpu.effective. */
    private void effective(Insn in) {
        lconst(in.disp + (in.ripRel ? in.end : 0));
        if (in.base >= 0) {
            loadReg(in.base);
            mv.visitInsn(LADD);
        }
        if (in.index >= 0) {
            loadReg(in.index);
            if (in.scale != 0) {
                iconst(in.scale);
                mv.visitInsn(LSHL);
            }
            mv.visitInsn(LADD);
        }
        if (in.ripRel) {
            blockBase();
            mv.visitInsn(LADD);
        }
    }

    private void maskAddress(Insn in) {
        if (in.asize != 8) {
            lconst(in.asize == 4 ? 0xFFFF_FFFFL : 0xFFFF);
            mv.visitInsn(LAND);
        }
    }

    /** Pushes the linear address of the memory operand: Cpu.addr. */
    private void address(Insn in) {
        effective(in);
        maskAddress(in);
        if (in.seg >= 0) {
            if (mode == 8) {
                mv.visitVarInsn(ALOAD, C);
                mv.visitFieldInsn(GETFIELD, CPU, "segBase", "[J");
                iconst(in.seg);
                mv.visitInsn(LALOAD);
                mv.visitInsn(LADD);
            } else {
                int t = tmp();
                mv.visitVarInsn(LSTORE, t);
                mv.visitVarInsn(ALOAD, C);
                iconst(in.seg);
                mv.visitVarInsn(LLOAD, t);
                mv.visitMethodInsn(INVOKEVIRTUAL, CPU, "linear", "(IJ)J", false);
            }
        }
    }

    private void signExtend(int size) {
        switch (size) {
            case 1: mv.visitInsn(L2I); mv.visitInsn(I2B); mv.visitInsn(I2L); break;
            case 2: mv.visitInsn(L2I); mv.visitInsn(I2S); mv.visitInsn(I2L); break;
            case 4: mv.visitInsn(L2I); mv.visitInsn(I2L); break;
            default: break;
        }
    }

    // ---- registers: JVM locals within the block, written back to Cpu.r before faults, calls and the end

    private void ensureLoaded(int n) {
        if (n >= 16) {
            n -= 16;
        }
        if (!loaded[n]) {
            mv.visitVarInsn(ALOAD, R);
            iconst(n);
            mv.visitInsn(LALOAD);
            mv.visitVarInsn(LSTORE, REG0 + 2 * n);
            loaded[n] = true;
        }
    }

    private void loadReg(int n) {
        ensureLoaded(n);
        mv.visitVarInsn(LLOAD, REG0 + 2 * n);
    }

    private void storeReg(int n) {
        mv.visitVarInsn(LSTORE, REG0 + 2 * n);
        loaded[n] = true;
        dirty[n] = true;
    }

    /** Pushes register n at an operand size, zero-extended (Cpu.getReg; 16..19 are AH..BH). */
    private void getReg(int n, int size) {
        if (size == 1 && n >= 16) {
            loadReg(n - 16);
            iconst(8);
            mv.visitInsn(LUSHR);
            lconst(0xFF);
            mv.visitInsn(LAND);
            return;
        }
        loadReg(n);
        if (size != 8) {
            lconst(Flags.MASK[size]);
            mv.visitInsn(LAND);
        }
    }

    /** Pops a long into register n at an operand size (Cpu.setReg: 32-bit writes zero the upper half). */
    private void setReg(int n, int size) {
        switch (size) {
            case 8:
                storeReg(n);
                return;
            case 4:
                lconst(0xFFFF_FFFFL);
                mv.visitInsn(LAND);
                storeReg(n);
                return;
            default: {
                boolean high = size == 1 && n >= 16;
                int r = high ? n - 16 : n;
                lconst(Flags.MASK[size]);
                mv.visitInsn(LAND);
                if (high) {
                    iconst(8);
                    mv.visitInsn(LSHL);
                }
                loadReg(r);
                lconst(high ? ~0xFF00L : ~Flags.MASK[size]);
                mv.visitInsn(LAND);
                mv.visitInsn(LOR);
                storeReg(r);
            }
        }
    }

    private void flush() {
        for (int n = 0; n < 16; n++) {
            if (dirty[n]) {
                writeBack(n);
                dirty[n] = false;
            }
        }
    }

    /** The write-back on an exit path: the main path's state is unchanged. */
    private void flushCopy() {
        for (int n = 0; n < 16; n++) {
            if (dirty[n]) {
                writeBack(n);
            }
        }
    }

    private void writeBack(int n) {
        mv.visitVarInsn(ALOAD, R);
        iconst(n);
        mv.visitVarInsn(LLOAD, REG0 + 2 * n);
        mv.visitInsn(LASTORE);
    }

    // ---- constants

    private void blockBase() {
        mv.visitVarInsn(ALOAD, C);
        mv.visitFieldInsn(GETFIELD, CPU, "blockBase", "J");
    }

    /** The instruction object (class data, a constant to the JIT). */
    private void insn(Insn in) {
        mv.visitLdcInsn(new ConstantDynamic("_", INSN_D, CLASS_DATA_AT, in.idx));
    }

    private int tmp() {
        int t = tmp;
        tmp += 2;
        return t;
    }

    private void iconst(int v) {
        if (v >= -1 && v <= 5) {
            mv.visitInsn(ICONST_0 + v);
        } else if (v >= Byte.MIN_VALUE && v <= Byte.MAX_VALUE) {
            mv.visitIntInsn(BIPUSH, v);
        } else if (v >= Short.MIN_VALUE && v <= Short.MAX_VALUE) {
            mv.visitIntInsn(SIPUSH, v);
        } else {
            mv.visitLdcInsn(v);
        }
    }

    private void lconst(long v) {
        if (v == 0) {
            mv.visitInsn(LCONST_0);
        } else if (v == 1) {
            mv.visitInsn(LCONST_1);
        } else {
            mv.visitLdcInsn(v);
        }
    }
}
