package dev.celadon.emulator.cpu.difftest;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/** A run of bytes of the data buffer at an offset: a patch on entry, or what changed at the end. */
public record MemoryRun(int offset, byte[] bytes) {
    public MemoryRun {
        if (offset < 0 || offset + bytes.length > CaseLayout.DATA_SIZE)
            throw new IllegalArgumentException("run outside the data buffer: " + offset + "+" + bytes.length);
    }

    /** The maximal runs where {@code after} differs from {@code before}. */
    public static List<MemoryRun> diff(byte[] before, byte[] after) {
        List<MemoryRun> runs = new ArrayList<>();
        for (int i = 0; i < before.length; ) {
            if (before[i] == after[i]) {
                i++;
                continue;
            }
            int j = i;
            while (j < before.length && before[j] != after[j]) j++;
            runs.add(new MemoryRun(i, Arrays.copyOfRange(after, i, j)));
            i = j;
        }
        return runs;
    }

    public static boolean same(List<MemoryRun> a, List<MemoryRun> b) {
        if (a.size() != b.size()) return false;
        for (int i = 0; i < a.size(); i++)
            if (a.get(i).offset != b.get(i).offset || !Arrays.equals(a.get(i).bytes, b.get(i).bytes)) return false;
        return true;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MemoryRun r && r.offset == offset && Arrays.equals(r.bytes, bytes);
    }

    @Override
    public int hashCode() {
        return offset * 31 + Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return String.format("+%#x: %s", offset, HexFormat.ofDelimiter(" ").formatHex(bytes));
    }
}
