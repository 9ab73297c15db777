package dev.celadon.vmbus.ring;

import dev.celadon.test.support.DirectGuestMemory;

import dev.celadon.vmbus.Gpadl;
import dev.celadon.vmbus.GpadlMemory;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * A ring in poisoned guest RAM over scattered pages (a shuffled, non-contiguous PFN list, as a guest's
 * allocator may hand out), with raw access to its header and data for the test playing the other side.
 */
final class RingFixture {
    static final byte POISON = (byte) 0xA5;
    static final long RAM = 512 * 1024;

    final DirectGuestMemory memory;
    final long[] pfns;
    final GpadlMemory ring;

    RingFixture(int dataPages, long seed) {
        this(DirectGuestMemory.of(RAM, POISON), dataPages, seed);
    }

    RingFixture(DirectGuestMemory memory, int dataPages, long seed) {
        this.memory = memory;
        List<Long> all = new ArrayList<>();
        for (long p = 1; p < RAM / 4096; p += 2) { // every other page, so no two ring pages are adjacent
            all.add(p);
        }
        Collections.shuffle(all, new Random(seed));
        pfns = new long[1 + dataPages];
        for (int i = 0; i < pfns.length; i++) {
            pfns[i] = all.get(i);
        }
        ring = Gpadl.ofPages(pfns).memory(memory);
        RingBuffer.initialize(ring);
    }

    int dataSize() {
        return (pfns.length - 1) * 4096;
    }

    long headerGpa(int field) {
        return pfns[0] * 4096 + field;
    }

    /** Guest-physical address of data byte {@code offset} (mod the data size). */
    long dataGpa(long offset) {
        offset = Math.floorMod(offset, dataSize());
        return pfns[1 + (int) (offset / 4096)] * 4096 + offset % 4096;
    }

    long header(int field) {
        return memory.peek32(headerGpa(field));
    }

    void setHeader(int field, int value) {
        memory.poke32(headerGpa(field), value);
    }

    /** Data bytes at a ring offset, wrapping, read raw from guest memory. */
    byte[] data(long offset, int length) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = memory.peek(dataGpa(offset + i), 1)[0];
        }
        return b;
    }

    void setData(long offset, byte[] b) {
        for (int i = 0; i < b.length; i++) {
            memory.poke(dataGpa(offset + i), new byte[] {b[i]});
        }
    }

    boolean isRingPage(long pfn) {
        for (long p : pfns) {
            if (p == pfn) {
                return true;
            }
        }
        return false;
    }

    /** Every access the code under test made lies within the ring's pages. */
    String accessOutsideRing() {
        for (long[] a : memory.accesses()) {
            long first = a[0] / 4096;
            long last = (a[0] + Math.max(a[1], 1) - 1) / 4096;
            for (long p = first; p <= last; p++) {
                if (!isRingPage(p)) {
                    return String.format("access 0x%x+%d outside the ring", a[0], a[1]);
                }
            }
        }
        return null;
    }

    /** The first byte outside the ring's pages that is no longer poison, or null. */
    String poisonDisturbed() {
        byte[] all = memory.peek(0, (int) RAM);
        for (int i = 0; i < all.length; i++) {
            if (!isRingPage(i / 4096) && all[i] != POISON) {
                return String.format("byte at 0x%x outside the ring changed to 0x%02x", i, all[i] & 0xff);
            }
        }
        return null;
    }
}
