package dev.celadon.emulator.cpu;

/** Thrown inside the core to end {@link Cpu#run()} with {@link ExitReason#SHUTDOWN} (never reaches the caller). */
final class CpuStop extends RuntimeException {
    private static final long serialVersionUID = 1L;

    CpuStop(String why) {
        super(why, null, false, false);
    }
}
