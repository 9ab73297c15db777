package dev.celadon.vmbus.ring;

import dev.celadon.vmbus.Gpadl;
import dev.celadon.vmbus.GpadlMemory;
import dev.celadon.vmbus.VmPacket;
import dev.celadon.vmbus.VmPacketDescriptor;
import dev.celadon.vmbus.ring.RingBufferException.Violation;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.Consumer;

/**
 * One direction of a VMBus channel: a ring buffer in guest memory as Linux 6.1 lays it out
 * ({@code struct hv_ring_buffer}, include/linux/hyperv.h; drivers/hv/ring_buffer.c). The first page is the
 * header, the rest is the data area; indices are byte offsets into the data area:
 * <pre>
 *   @0  u32 write_index      written by the producer
 *   @4  u32 read_index       written by the consumer
 *   @8  u32 interrupt_mask   written by the consumer: nonzero = "do not signal me, I am polling"
 *   @12 u32 pending_send_sz  written by the producer: "signal me when more than this is free"
 *   @64 u32 feature_bits     b0: pending_send_sz is honoured (Linux sets it in both rings)
 *   @4096 data
 * </pre>
 * A packet is a {@link VmPacketDescriptor}, its data padded to 8 bytes, then an 8-byte trailer holding the
 * packet's start index in its high half. Packets wrap at the end of the data area (Linux maps the data pages
 * twice; here copies are split). Empty is {@code write_index == read_index}; a producer writes only if the free
 * space is strictly larger than the packet and its trailer, so a full ring never looks empty.
 * <p>
 * The same class serves both ends: {@link #write} and the space-request methods are the producer's,
 * {@link #read} and the interrupt-mask methods the consumer's. Each end keeps its own index privately and only
 * publishes it, so a hostile peer rewriting it in shared memory changes nothing here; the peer's index is
 * loaded with acquire semantics and checked (in range, 8-aligned, moving only forward and never past ours)
 * before use; our index is stored with release semantics after the data. At most one thread may act as
 * producer and one as consumer at a time, on one object or on two objects over the same memory.
 */
public final class RingBuffer {
    public static final int HEADER_SIZE = Gpadl.PAGE_SIZE;
    public static final int WRITE_INDEX = 0;
    public static final int READ_INDEX = 4;
    public static final int INTERRUPT_MASK = 8;
    public static final int PENDING_SEND_SIZE = 12;
    public static final int FEATURE_BITS = 64;
    public static final int FEATURE_PENDING_SEND_SIZE = 1;
    /** The u64 after every packet: (start index) << 32. */
    public static final int TRAILER_SIZE = 8;
    /** The smallest well-formed packet: a bare descriptor. */
    private static final int MIN_PACKET = VmPacketDescriptor.SIZE;

    private static final VarHandle U32 = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final byte[] ZEROS = new byte[8];

    private final ByteBuffer header;
    private final GpadlMemory data;
    private final int size;
    private final SignalPolicy policy;

    // Producer side: our write index, the last read index we accepted, a scratch for descriptor and trailer.
    private int writeIndex;
    private int readSeen;
    private final byte[] writeScratch = new byte[VmPacketDescriptor.SIZE];
    // Consumer side: our read index, the last write index we accepted.
    private int readIndex;
    private int writeSeen;
    private final byte[] readScratch = new byte[VmPacketDescriptor.SIZE];

    private RingBuffer(ByteBuffer header, GpadlMemory data, SignalPolicy policy, int w, int r) {
        this.header = header;
        this.data = data;
        this.policy = policy;
        this.size = (int) data.size();
        this.writeIndex = w;
        this.readSeen = r;
        this.readIndex = r;
        this.writeSeen = w;
    }

    /**
     * The ring in {@code ring} (this direction's pages of the ring GPADL: header page, then data), taking the
     * indices it finds there; a producer on it signals by {@link SignalPolicy#UNMASKED}.
     *
     * @throws RingBufferException if the pages are not a header and data pages, or an index is invalid
     */
    public static RingBuffer open(GpadlMemory ring) {
        return open(ring, SignalPolicy.UNMASKED);
    }

    /** {@link #open(GpadlMemory)} with the producer's signal rule chosen. */
    public static RingBuffer open(GpadlMemory ring, SignalPolicy policy) {
        checkLayout(ring);
        ByteBuffer header = ring.buffer(0, HEADER_SIZE);
        RingBuffer rb = new RingBuffer(header, ring.slice(HEADER_SIZE, ring.size() - HEADER_SIZE), policy, 0, 0);
        int w = rb.checkIndex((int) U32.getAcquire(header, WRITE_INDEX), "write_index");
        int r = rb.checkIndex((int) U32.getAcquire(header, READ_INDEX), "read_index");
        rb.writeIndex = rb.writeSeen = w;
        rb.readIndex = rb.readSeen = r;
        return rb;
    }

    /**
     * Makes {@code ring} an empty ring as a guest does before offering it: header zeroed, feature_bits b0 set.
     * (The host never does this to a guest's ring; the Java guest side and tests do.)
     */
    public static void initialize(GpadlMemory ring) {
        checkLayout(ring);
        ring.fill(0, HEADER_SIZE, (byte) 0);
        ByteBuffer header = ring.buffer(0, HEADER_SIZE);
        U32.setRelease(header, FEATURE_BITS, FEATURE_PENDING_SEND_SIZE);
        VarHandle.fullFence();
    }

    private static void checkLayout(GpadlMemory ring) {
        if (!ring.isPageAligned(0) || ring.size() % Gpadl.PAGE_SIZE != 0 || ring.size() < 2L * Gpadl.PAGE_SIZE
                || ring.size() - HEADER_SIZE > Integer.MAX_VALUE / 2) {
            throw new RingBufferException(Violation.LAYOUT, "a ring must be a header page and 1 or more data"
                    + " pages, page-aligned; got " + ring.size() + " bytes");
        }
    }

    public SignalPolicy signalPolicy() {
        return policy;
    }

    /** Bytes in the data area. */
    public int dataSize() {
        return size;
    }

    /** The longest packet (descriptor and padding included) that fits an empty ring. */
    public int maxPacketLength() {
        return Math.min(size - 2 * TRAILER_SIZE, VmPacketDescriptor.MAX_LENGTH);
    }

    // ---------------------------------------------------------------- producer

    /**
     * Writes {@code packet} if the free space is strictly larger than the packet and its trailer, then decides
     * whether the reader must be signalled, after the new write_index is published: never while its
     * interrupt_mask is set (it is polling); otherwise always ({@link SignalPolicy#UNMASKED}) or only if it had
     * read everything before this packet, i.e. read_index equals the write index before this write
     * ({@link SignalPolicy#EMPTY_TO_NON_EMPTY}).
     *
     * @throws RingBufferException      if the reader's read_index is invalid
     * @throws IllegalArgumentException if the packet could never fit this ring
     */
    public WriteResult write(VmPacket packet) {
        int length = packet.encodedLength();
        if (length > maxPacketLength()) {
            throw new IllegalArgumentException("packet of " + length + " bytes can never fit a ring of " + size
                    + " data bytes");
        }
        int total = length + TRAILER_SIZE;
        int r = loadReadIndex();
        if (size - used(writeIndex, r) <= total) {
            return WriteResult.FULL;
        }
        int start = writeIndex;
        packet.descriptor().encode(writeScratch, 0);
        int at = copyIn(start, writeScratch, 0, VmPacketDescriptor.SIZE);
        byte[] ext = packet.extension();
        at = copyIn(at, ext, 0, ext.length);
        byte[] d = packet.data();
        at = copyIn(at, d, 0, d.length);
        at = copyIn(at, ZEROS, 0, VmPacket.align8(d.length) - d.length);
        putLong(writeScratch, (long) start << 32);
        at = copyIn(at, writeScratch, 0, TRAILER_SIZE);
        writeIndex = at;
        // Release: the packet's bytes are visible before the index that covers them.
        U32.setRelease(header, WRITE_INDEX, at);
        // The index store must be visible before the mask and read index are loaded (store-load ordering), or a
        // reader unmasking at the same moment and this writer could each miss the other.
        VarHandle.fullFence();
        if ((int) U32.getAcquire(header, INTERRUPT_MASK) != 0) {
            return WriteResult.WRITTEN;
        }
        if (policy == SignalPolicy.UNMASKED) {
            return WriteResult.WRITTEN_SIGNAL;
        }
        return (int) U32.getAcquire(header, READ_INDEX) == start ? WriteResult.WRITTEN_SIGNAL : WriteResult.WRITTEN;
    }

    /**
     * After {@link WriteResult#FULL}: asks the reader, through pending_send_sz, to signal once more than
     * {@code packetLength} plus the trailer is free, then checks again, since the reader may have freed the
     * space before it could see the request.
     *
     * @return true if the space is there now (write again at once), false if the writer should wait for the
     *         signal
     */
    public boolean requestSpace(int packetLength) {
        int total = VmPacket.align8(packetLength) + TRAILER_SIZE;
        U32.setRelease(header, PENDING_SEND_SIZE, total);
        VarHandle.fullFence();
        return size - used(writeIndex, loadReadIndex()) > total;
    }

    /** Withdraws a space request (after the write went through). */
    public void clearSpaceRequest() {
        U32.setRelease(header, PENDING_SEND_SIZE, 0);
    }

    /** Free bytes as the producer sees them now. */
    public int bytesFree() {
        return size - used(writeIndex, loadReadIndex());
    }

    // ---------------------------------------------------------------- consumer

    /**
     * Takes the next packet, if the writer has published one, and publishes the new read index. Then decides
     * whether the writer must be signalled: only if feature_bits b0 is set, pending_send_sz is nonzero, the
     * free space was at most pending_send_sz before this read and is more than it now (so a writer waiting
     * for space is signalled once, on the read that gives it enough).
     *
     * @throws RingBufferException if write_index or the packet's descriptor is invalid; nothing was consumed
     */
    public ReadResult read() {
        int before = readIndex;
        VmPacket packet = take();
        if (packet == null) {
            return ReadResult.EMPTY;
        }
        // Release: our loads of the packet are done before the writer may reuse the space.
        U32.setRelease(header, READ_INDEX, readIndex);
        return new ReadResult(packet, signalWriter(used(readIndex, before)));
    }

    /**
     * Takes up to {@code maxPackets} packets, handing each to {@code sink}, and publishes read_index once at the
     * end, as Linux's reader does per drain: fewer index stores for the writer's CPU to see. The signal
     * decision is {@link #read}'s, over all the bytes consumed. If a packet is invalid, or {@code sink}
     * throws, the packets before it are still consumed (published) and the exception propagates.
     *
     * @return how many packets were taken, and whether the writer must be signalled
     */
    public ReadBatch readBatch(int maxPackets, Consumer<VmPacket> sink) {
        int before = readIndex;
        int n = 0;
        try {
            VmPacket packet;
            while (n < maxPackets && (packet = take()) != null) {
                n++;
                sink.accept(packet);
            }
        } finally {
            if (readIndex != before) {
                U32.setRelease(header, READ_INDEX, readIndex);
            }
        }
        return new ReadBatch(n, n > 0 && signalWriter(used(readIndex, before)));
    }

    /** The next packet, validated and copied out, with our private read index moved past it; null if empty. */
    private VmPacket take() {
        int w = loadWriteIndex();
        int used = used(w, readIndex);
        if (used == 0) {
            return null;
        }
        if (used < MIN_PACKET + TRAILER_SIZE) {
            throw new RingBufferException(Violation.TRUNCATED_PACKET, "only " + used + " bytes published at"
                    + " read_index " + readIndex + ", less than a descriptor and its trailer");
        }
        // The descriptor is copied once and only the copy is used: the guest may change the ring meanwhile.
        copyOut(readIndex, readScratch, 0, VmPacketDescriptor.SIZE);
        VmPacketDescriptor d = VmPacketDescriptor.decode(readScratch, 0);
        if (d.len8() < 2) {
            throw new RingBufferException(Violation.LENGTH_TOO_SHORT, "packet at " + readIndex + " has len8 "
                    + d.len8() + ", shorter than its 16-byte descriptor");
        }
        if (d.offset8() < 2 || d.offset8() > d.len8()) {
            throw new RingBufferException(Violation.BAD_OFFSET, "packet at " + readIndex + " has offset8 "
                    + d.offset8() + " with len8 " + d.len8() + ": its data would start "
                    + (d.offset8() < 2 ? "inside the descriptor" : "past its end"));
        }
        int total = d.length() + TRAILER_SIZE;
        if (total > used) {
            throw new RingBufferException(Violation.PACKET_PAST_WRITE_INDEX, "packet at " + readIndex + " has len8 "
                    + d.len8() + " (" + total + " bytes with trailer), but only " + used + " bytes are published");
        }
        byte[] ext = new byte[d.dataOffset() - VmPacketDescriptor.SIZE];
        byte[] body = new byte[d.length() - d.dataOffset()];
        int at = advance(readIndex, VmPacketDescriptor.SIZE);
        at = copyOut(at, ext, 0, ext.length);
        copyOut(at, body, 0, body.length);
        readIndex = advance(readIndex, total);
        return new VmPacket(d.type(), d.flags(), d.transactionId(), ext, body);
    }

    private boolean signalWriter(int consumed) {
        if (((int) U32.getAcquire(header, FEATURE_BITS) & FEATURE_PENDING_SEND_SIZE) == 0) {
            return false;
        }
        // The read index store must be visible before pending_send_sz is loaded: a writer setting it now
        // then sees the space and does not wait (see requestSpace).
        VarHandle.fullFence();
        long pending = Integer.toUnsignedLong((int) U32.getAcquire(header, PENDING_SEND_SIZE));
        if (pending == 0) {
            return false;
        }
        int w = (int) U32.getAcquire(header, WRITE_INDEX);
        if (Integer.toUnsignedLong(w) >= size || (w & 7) != 0) {
            return false; // the next read reports it
        }
        long freeAfter = size - used(w, readIndex);
        long freeBefore = freeAfter - consumed;
        return freeBefore <= pending && freeAfter > pending;
    }

    /** Masks the reader's interrupts: the writer will not signal (the reader is polling). */
    public void maskInterrupts() {
        U32.setRelease(header, INTERRUPT_MASK, 1);
        VarHandle.fullFence();
    }

    /**
     * Unmasks the reader's interrupts, then looks again: a packet written while the mask was set brought no
     * signal, so the reader must read on instead of sleeping if this returns true.
     */
    public boolean unmaskInterrupts() {
        U32.setRelease(header, INTERRUPT_MASK, 0);
        VarHandle.fullFence();
        int w = (int) U32.getAcquire(header, WRITE_INDEX);
        return w != readIndex; // an invalid index reads as "more": read() reports it
    }

    public boolean interruptsMasked() {
        return (int) U32.getAcquire(header, INTERRUPT_MASK) != 0;
    }

    /**
     * The ring's fill as its shared header says now, validated but without touching either end's state (safe from
     * any thread, never throws for a bad index): what an operator's listing shows.
     */
    public RingFill fill() {
        long w = Integer.toUnsignedLong((int) U32.getAcquire(header, WRITE_INDEX));
        long r = Integer.toUnsignedLong((int) U32.getAcquire(header, READ_INDEX));
        int mask = (int) U32.getAcquire(header, INTERRUPT_MASK);
        int pending = (int) U32.getAcquire(header, PENDING_SEND_SIZE);
        String problem = indexProblem(w, "write_index");
        if (problem == null) {
            problem = indexProblem(r, "read_index");
        }
        int used = problem != null ? -1 : used((int) w, (int) r);
        return new RingFill(size, w, r, used, mask, pending, problem);
    }

    private String indexProblem(long v, String name) {
        if (v >= size) {
            return name + " " + v + " is beyond the ring's " + size + " data bytes";
        }
        if ((v & 7) != 0) {
            return name + " " + v + " is not a multiple of 8";
        }
        return null;
    }

    /** Bytes published and not yet read, as the consumer sees them now. */
    public int bytesToRead() {
        return used(loadWriteIndex(), readIndex);
    }

    // ---------------------------------------------------------------- shared

    /** The peer's read_index, checked: in range, aligned, and moved only forward up to our write index. */
    private int loadReadIndex() {
        int r = checkIndex((int) U32.getAcquire(header, READ_INDEX), "read_index");
        if (r != readSeen && used(writeIndex, r) > used(writeIndex, readSeen)) {
            throw new RingBufferException(Violation.INDEX_REWOUND, "read_index moved from " + readSeen + " to " + r
                    + ", backwards or past write_index " + writeIndex);
        }
        readSeen = r;
        return r;
    }

    /** The peer's write_index, checked: in range, aligned, and moved only forward (never over our read index). */
    private int loadWriteIndex() {
        int w = checkIndex((int) U32.getAcquire(header, WRITE_INDEX), "write_index");
        if (w != writeSeen && used(w, readIndex) < used(writeSeen, readIndex)) {
            throw new RingBufferException(Violation.INDEX_REWOUND, "write_index moved from " + writeSeen + " to " + w
                    + ", backwards over unread data (read_index " + readIndex + ")");
        }
        writeSeen = w;
        return w;
    }

    private int checkIndex(int v, String name) {
        if (Integer.toUnsignedLong(v) >= size) {
            throw new RingBufferException(Violation.INDEX_OUT_OF_RANGE, name + " " + Integer.toUnsignedString(v)
                    + " is beyond the ring's " + size + " data bytes");
        }
        if ((v & 7) != 0) {
            throw new RingBufferException(Violation.INDEX_MISALIGNED, name + " " + v + " is not a multiple of 8");
        }
        return v;
    }

    /** Bytes from {@code from} up to {@code to}, going forward around the ring. */
    private int used(int to, int from) {
        int d = to - from;
        return d >= 0 ? d : d + size;
    }

    private int advance(int at, int n) {
        int next = at + n;
        return next >= size ? next - size : next;
    }

    /** Copies into the data area at {@code at}, split at the end; returns the index after it. */
    private int copyIn(int at, byte[] src, int off, int len) {
        int first = Math.min(len, size - at);
        data.write(at, src, off, first);
        if (first < len) {
            data.write(0, src, off + first, len - first);
        }
        return advance(at, len);
    }

    private int copyOut(int at, byte[] dst, int off, int len) {
        int first = Math.min(len, size - at);
        data.read(at, dst, off, first);
        if (first < len) {
            data.read(0, dst, off + first, len - first);
        }
        return advance(at, len);
    }

    private static void putLong(byte[] b, long v) {
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (v >>> (8 * i));
        }
    }

    @Override
    public String toString() {
        return "RingBuffer[" + size + " data bytes, write " + writeIndex + ", read " + readIndex + "]";
    }
}
