package dev.celadon.emulator.cpu;

/**
 * Instructions per second on CPU-bound guest loops (not a test: run it by hand).
 * <pre>
 * mvn -o -q -f bundles/emulator/pom.xml test-compile
 * java -cp bundles/emulator/target/classes:bundles/emulator/target/test-classes:$HOME/.m2/repository/dev/celadon/dev.celadon.hypervisor.api/0.1.0-SNAPSHOT/dev.celadon.hypervisor.api-0.1.0-SNAPSHOT.jar \
 *      dev.celadon.emulator.cpu.Benchmark
 * </pre>
 */
public final class Benchmark {
    /** A kernel-like mix: ALU, loads and stores, a call and return, compare-and-branch, a string copy. */
    static final String LOOP = """
            main:
              mov $20000000, %r15
              mov $0x200000, %rsi
            1:
              mov (%rsi), %rax
              add $3, %rax
              xor %rax, %rbx
              mov %rbx, 8(%rsi)
              lea 1(%rbx,%rax,2), %rcx
              shr $3, %rcx
              call f
              test %rcx, %rcx
              jz 2f
              inc %rdx
            2:
              cmp $5, %eax
              cmovb %rcx, %rax
              dec %r15
              jnz 1b
              hlt
            f:
              and $0xFFF, %ecx
              add %rcx, %rdi
              ret
            """;

    /** Tight register loop. */
    static final String TIGHT = """
            main:
              mov $50000000, %ecx
            1:
              add %rcx, %rax
              xor %rax, %rdx
              dec %ecx
              jnz 1b
              hlt
            """;

    public static void main(String[] args) {
        for (int round = 0; round < 3; round++) {
            run("mixed", LOOP);
            run("tight", TIGHT);
        }
    }

    static void run(String name, String prog) {
        LongModeRig rig = LongModeRig.create(prog);
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        long t0 = System.nanoTime();
        long c0 = mx.getCurrentThreadCpuTime();
        ExitReason r = rig.m.run();
        long c1 = mx.getCurrentThreadCpuTime();
        long t1 = System.nanoTime();
        long n = rig.m.cpu.instructionsRetired();
        // CPU time of this thread, not wall time: the build machines' two cores are shared.
        System.out.printf("%-6s %s %,d instructions in %.2f s (%.2f s CPU): %.1f MIPS per CPU second%n", name, r, n,
                (t1 - t0) / 1e9, (c1 - c0) / 1e9, n / ((c1 - c0) / 1e3));
    }
}
