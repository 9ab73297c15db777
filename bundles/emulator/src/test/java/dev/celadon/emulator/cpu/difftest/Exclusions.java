package dev.celadon.emulator.cpu.difftest;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Forms left out of the suite for now, each with the reason (the emulator does not implement them yet, or
 * a mismatch is recorded in /tmp/celadon-difftest-findings.md for the CPU engineer). The bench runs them
 * anyway with {@code --all}.
 */
public final class Exclusions {
    public static final Map<String, String> EXCLUDED = Map.of(
            "CMPXCHG16B m128", "not implemented by the emulator (#UD); findings: CMPXCHG16B",
            "ENTER imm16,imm8", "no #PF when the final RSP is unmapped; findings: ENTER");

    private Exclusions() {
    }

    public static List<Form> included(List<Form> all) {
        List<Form> f = new ArrayList<>();
        for (Form x : all) if (!EXCLUDED.containsKey(x.name())) f.add(x);
        return f;
    }
}
