package dev.celadon.ic.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * The body of an ICMSGTYPE_NEGOTIATE message, struct icmsg_negotiate at {@link IcMessageHeader#SIZE}: u16
 * icframe_vercnt @28, u16 icmsg_vercnt @30, u32 reserved @32, then the framework versions followed by the message
 * versions, 4 bytes each, @36. The host lists what it speaks; hv_utils' vmbus_prep_negotiate_resp() answers in place
 * with counts 1/1 and the pair it chose (its own preference order, exact matches only), or counts 0/0 if nothing
 * matched, and icmsgsize 0x10.
 *
 * @param frameworks the framework versions, in the order given
 * @param messages   the message (service) versions, in the order given
 */
public record IcNegotiate(List<IcVersion> frameworks, List<IcVersion> messages) {
    public static final int FRAMEWORK_COUNT = IcMessageHeader.SIZE;
    public static final int MESSAGE_COUNT = IcMessageHeader.SIZE + 2;
    public static final int RESERVED = IcMessageHeader.SIZE + 4;
    public static final int VERSIONS = IcMessageHeader.SIZE + 8;
    /** IC_VERSION_NEGOTIATION_MAX_VER_COUNT: Linux refuses more of either. */
    public static final int MAX_COUNT = 100;

    /** What a negotiation settled on. */
    public record Result(IcVersion framework, IcVersion message) {
    }

    public IcNegotiate {
        frameworks = List.copyOf(frameworks);
        messages = List.copyOf(messages);
        if (frameworks.size() > MAX_COUNT || messages.size() > MAX_COUNT) {
            throw new IllegalArgumentException("at most " + MAX_COUNT + " versions of each kind");
        }
    }

    /** The packet data of a host request: header (transaction {@code transaction}) and this body. */
    public byte[] encodeRequest(int transaction) {
        int body = 8 + IcVersion.SIZE * (frameworks.size() + messages.size());
        byte[] b = new byte[align8(IcMessageHeader.SIZE + body)];
        // Hyper-V puts its newest versions in a NEGOTIATE's header; Linux does not read them.
        IcMessageHeader.request(frameworks.get(0), IcMessageHeader.TYPE_NEGOTIATE, messages.get(0), body, transaction)
                .encode(b);
        Le.put16(b, FRAMEWORK_COUNT, frameworks.size());
        Le.put16(b, MESSAGE_COUNT, messages.size());
        int at = VERSIONS;
        for (IcVersion v : frameworks) {
            v.encode(b, at);
            at += IcVersion.SIZE;
        }
        for (IcVersion v : messages) {
            v.encode(b, at);
            at += IcVersion.SIZE;
        }
        return b;
    }

    /**
     * Reads the body of NEGOTIATE packet data (header already checked by the caller).
     *
     * @throws IcProtocolException if a count exceeds {@link #MAX_COUNT} or the versions run past the data
     */
    public static IcNegotiate decode(byte[] data) throws IcProtocolException {
        IcProtocolException.require(data.length >= VERSIONS, "NEGOTIATE of " + data.length
                + " bytes has no room for its version counts (" + VERSIONS + " needed)");
        int fc = Le.u16(data, FRAMEWORK_COUNT);
        int mc = Le.u16(data, MESSAGE_COUNT);
        IcProtocolException.require(fc <= MAX_COUNT && mc <= MAX_COUNT, "NEGOTIATE counts " + fc + "/" + mc
                + " exceed " + MAX_COUNT);
        IcProtocolException.require(VERSIONS + IcVersion.SIZE * (fc + mc) <= data.length, "NEGOTIATE counts "
                + fc + "/" + mc + " need " + (VERSIONS + IcVersion.SIZE * (fc + mc)) + " bytes, the message has "
                + data.length);
        List<IcVersion> f = new ArrayList<>();
        List<IcVersion> m = new ArrayList<>();
        for (int i = 0; i < fc + mc; i++) {
            (i < fc ? f : m).add(IcVersion.decode(data, VERSIONS + IcVersion.SIZE * i));
        }
        return new IcNegotiate(f, m);
    }

    /**
     * The guest's answer to a request that offered {@code offered}: the pair chosen, or null if the guest found no
     * common version (counts 0/0).
     *
     * @throws IcProtocolException if the counts are neither 1/1 nor 0/0, or the guest chose a version not offered
     */
    public Result chosenFrom(IcNegotiate offered) throws IcProtocolException {
        if (frameworks.isEmpty() && messages.isEmpty()) {
            return null;
        }
        IcProtocolException.require(frameworks.size() == 1 && messages.size() == 1, "NEGOTIATE answer with counts "
                + frameworks.size() + "/" + messages.size() + " (1/1 or 0/0 expected)");
        IcVersion f = frameworks.get(0);
        IcVersion m = messages.get(0);
        IcProtocolException.require(offered.frameworks.contains(f), "the guest chose framework " + f
                + ", which was not offered (" + offered.frameworks + ")");
        IcProtocolException.require(offered.messages.contains(m), "the guest chose message version " + m
                + ", which was not offered (" + offered.messages + ")");
        return new Result(f, m);
    }

    static int align8(int n) {
        return (n + 7) & ~7;
    }
}
