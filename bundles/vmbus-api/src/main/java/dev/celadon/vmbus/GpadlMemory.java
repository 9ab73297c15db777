package dev.celadon.vmbus;

import dev.celadon.hypervisor.api.GuestMemory;
import dev.celadon.hypervisor.api.GuestMemoryException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A byte range of a GPADL's buffer, read and written through the partition's guest memory. Offset 0 is the
 * buffer's first byte ({@link Gpadl#byteOffset()} into its first page). The pages are not contiguous in guest
 * memory, so every copy is split at page boundaries; each page is one {@link GuestMemory#view} taken once, when
 * the view is made (views stay valid until the partition stops), so a copy costs no RAM lookup.
 * <p>
 * Ranges are checked against this view's size; a range outside it is a {@link GpadlException}, since offsets
 * into GPADLs usually come from the guest. Concurrent calls are safe (only absolute buffer accesses are used);
 * what the bytes mean while the guest changes them is the caller's concern.
 */
public final class GpadlMemory {
    private static final int PAGE = Gpadl.PAGE_SIZE;

    /** One little-endian view per page of the whole GPADL; shared between slices. */
    private final ByteBuffer[] pages;
    /** Byte offset of this view's first byte from the start of the first page. */
    private final long start;
    private final long size;

    private GpadlMemory(ByteBuffer[] pages, long start, long size) {
        this.pages = pages;
        this.start = start;
        this.size = size;
    }

    /**
     * The whole buffer of {@code gpadl}.
     *
     * @throws GpadlException if a page is not RAM of the partition
     */
    public static GpadlMemory of(GuestMemory memory, Gpadl gpadl) {
        gpadl.checkRam(memory);
        ByteBuffer[] views = new ByteBuffer[gpadl.pageCount()];
        for (int i = 0; i < views.length; i++) {
            long gpa = gpadl.pfn(i) << Gpadl.PAGE_SHIFT;
            try {
                views[i] = memory.view(gpa, PAGE).order(ByteOrder.LITTLE_ENDIAN);
            } catch (GuestMemoryException e) {
                throw new GpadlException(String.format("GPADL page frame 0x%x: %s", gpadl.pfn(i), e.getMessage()));
            }
        }
        return new GpadlMemory(views, gpadl.byteOffset(), gpadl.byteCount());
    }

    public long size() {
        return size;
    }

    /** Bytes [offset, offset + length) of this view, as a view of its own (offset 0 = {@code offset} here). */
    public GpadlMemory slice(long offset, long length) {
        checkRange(offset, length);
        return new GpadlMemory(pages, start + offset, length);
    }

    /** Whether {@code offset} lies on a page boundary of the underlying guest pages. */
    public boolean isPageAligned(long offset) {
        return (start + offset) % PAGE == 0;
    }

    public void read(long offset, byte[] dst, int dstOffset, int length) {
        checkRange(offset, length);
        long at = start + offset;
        while (length > 0) {
            int in = (int) (at % PAGE);
            int n = Math.min(length, PAGE - in);
            pages[(int) (at / PAGE)].get(in, dst, dstOffset, n);
            at += n;
            dstOffset += n;
            length -= n;
        }
    }

    public byte[] read(long offset, int length) {
        byte[] b = new byte[length];
        read(offset, b, 0, length);
        return b;
    }

    public void write(long offset, byte[] src, int srcOffset, int length) {
        checkRange(offset, length);
        long at = start + offset;
        while (length > 0) {
            int in = (int) (at % PAGE);
            int n = Math.min(length, PAGE - in);
            pages[(int) (at / PAGE)].put(in, src, srcOffset, n);
            at += n;
            srcOffset += n;
            length -= n;
        }
    }

    public void write(long offset, byte[] src) {
        write(offset, src, 0, src.length);
    }

    /** Sets {@code length} bytes to {@code value}. */
    public void fill(long offset, long length, byte value) {
        checkRange(offset, length);
        byte[] chunk = new byte[(int) Math.min(PAGE, length)];
        java.util.Arrays.fill(chunk, value);
        long done = 0;
        while (done < length) {
            int n = (int) Math.min(chunk.length, length - done);
            write(offset + done, chunk, 0, n);
            done += n;
        }
    }

    /**
     * A little-endian view of bytes that lie within one guest page: the shared memory itself, for fields that
     * need atomic or ordered access (ring buffer indices through a {@link java.lang.invoke.VarHandle}).
     *
     * @throws GpadlException if the range is outside this view or crosses a page boundary
     */
    public ByteBuffer buffer(long offset, int length) {
        checkRange(offset, length);
        long at = start + offset;
        int in = (int) (at % PAGE);
        if (in + length > PAGE) {
            throw new GpadlException("range +" + offset + " length " + length + " crosses a page boundary");
        }
        return pages[(int) (at / PAGE)].slice(in, length).order(ByteOrder.LITTLE_ENDIAN);
    }

    private void checkRange(long offset, long length) {
        if (offset < 0 || length < 0 || offset > size - length) {
            throw new GpadlException("range +" + offset + " length " + length + " is outside the GPADL buffer of "
                    + size + " bytes");
        }
    }
}
