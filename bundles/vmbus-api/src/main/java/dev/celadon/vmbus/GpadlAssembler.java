package dev.celadon.vmbus;

import java.util.Arrays;

/**
 * Collects one GPADL from its GPADL_HEADER and the GPADL_BODY messages that follow, checking that every body
 * names the same handle and that no more page numbers arrive than range_buflen announced. Body message
 * numbers are not checked: Linux leaves them 0.
 */
public final class GpadlAssembler {
    private final ChannelMessage.GpadlHeader header;
    private final long[] pfns;
    private int have;

    public GpadlAssembler(ChannelMessage.GpadlHeader header) {
        this.header = header;
        this.pfns = new long[header.totalPages()];
        long[] first = header.pfns();
        System.arraycopy(first, 0, pfns, 0, first.length);
        this.have = first.length;
    }

    public int childRelid() {
        return header.childRelid();
    }

    public int handle() {
        return header.gpadl();
    }

    /** Whether every page number has arrived. */
    public boolean complete() {
        return have == pfns.length;
    }

    /**
     * Adds a body's page numbers.
     *
     * @throws VmbusProtocolException if it names another GPADL or carries more pages than announced
     */
    public void add(ChannelMessage.GpadlBody body) {
        VmbusProtocolException.require(body.gpadl() == header.gpadl(), String.format("GPADL_BODY for 0x%x while"
                + " GPADL 0x%x is being built", body.gpadl(), header.gpadl()));
        long[] more = body.pfns();
        VmbusProtocolException.require(more.length <= pfns.length - have, String.format("GPADL 0x%x: a body of %d"
                + " page numbers after %d of %d", header.gpadl(), more.length, have, pfns.length));
        System.arraycopy(more, 0, pfns, have, more.length);
        have += more.length;
    }

    /**
     * The GPADL, once {@link #complete()}.
     *
     * @throws GpadlException if the byte range does not fit the pages or a page repeats
     */
    public Gpadl gpadl() {
        VmbusProtocolException.require(complete(), String.format("GPADL 0x%x has %d of %d page numbers",
                header.gpadl(), have, pfns.length));
        return Gpadl.of(Arrays.copyOf(pfns, pfns.length), header.byteOffset(),
                Integer.toUnsignedLong(header.byteCount()));
    }
}
