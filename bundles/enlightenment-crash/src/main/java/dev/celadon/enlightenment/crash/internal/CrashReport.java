package dev.celadon.enlightenment.crash.internal;

import dev.celadon.hypervisor.api.GuestMemory;
import java.nio.charset.StandardCharsets;

/**
 * What a guest reported through the crash MSRs, turned into the partition's failure reason. The five parameters
 * are printed in hex; with CRASH_NOTIFY_MSG, P3 is the guest-physical address of the panic message and P4 its
 * length (Linux 6.1: its kmsg dump, at most one 4 KiB page). The message is guest data: it must lie in RAM and be
 * 1..4096 bytes, or it is refused (and the refusal said) while the crash is still reported.
 */
record CrashReport(long[] parameters, boolean withMessage) {

    static final int MAX_MESSAGE = 4096;

    CrashReport {
        if (parameters.length != 5) {
            throw new IllegalArgumentException("five crash parameters, got " + parameters.length);
        }
        parameters = parameters.clone();
    }

    /** The failure reason: the panic line first (what one-line views show), the parameters, then the whole text. */
    String describe(GuestMemory memory) {
        StringBuilder regs = new StringBuilder("crash MSRs");
        for (int i = 0; i < parameters.length; i++) {
            regs.append(" P").append(i).append("=0x").append(Long.toHexString(parameters[i]));
        }
        if (!withMessage) {
            return "guest crashed (" + regs + "); no panic message";
        }
        long gpa = parameters[3], length = parameters[4];
        String refused = null;
        if (length <= 0 || length > MAX_MESSAGE) {
            refused = "length " + Long.toUnsignedString(length) + " outside 1.." + MAX_MESSAGE + " bytes";
        } else if (!memory.isRam(gpa, length)) {
            refused = String.format("0x%x..0x%x is not partition RAM", gpa, gpa + length - 1);
        }
        if (refused != null) {
            return "guest crashed (" + regs + "); its panic message was refused: " + refused;
        }
        String text = text(memory.read(gpa, (int) length));
        return "guest crashed: " + panicLine(text) + " (" + regs + ")\n--- guest panic log ---\n" + text;
    }

    /** The bytes as text, trailing NULs and blank space dropped (the core strips control characters). */
    static String text(byte[] b) {
        int n = b.length;
        while (n > 0 && (b[n - 1] == 0 || b[n - 1] == '\n' || b[n - 1] == ' ')) {
            n--;
        }
        return new String(b, 0, n, StandardCharsets.UTF_8);
    }

    /** The last line saying "Kernel panic", else the last non-blank line. */
    static String panicLine(String text) {
        String[] lines = text.split("\n");
        for (int i = lines.length - 1; i >= 0; i--) {
            if (lines[i].contains("Kernel panic")) {
                return lines[i].strip();
            }
        }
        for (int i = lines.length - 1; i >= 0; i--) {
            if (!lines[i].isBlank()) {
                return lines[i].strip();
            }
        }
        return "(empty panic message)";
    }
}
