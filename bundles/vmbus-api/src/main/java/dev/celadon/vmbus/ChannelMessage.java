package dev.celadon.vmbus;

import java.util.Arrays;

/**
 * A VMBus control message: the payload of a Hyper-V message posted to the VMBus message connection (guest to
 * host) or delivered to the guest's VMBus SINT (host to guest). Every message starts with
 * {@code struct vmbus_channel_message_header} {u32 msgtype @0, u32 padding @4}; the offsets below include it.
 * A message fits a Hyper-V message payload ({@link #MAX_SIZE} bytes).
 * <p>
 * {@link #decode} accepts a fixed-size message with trailing bytes (ignored, as Linux ignores them from the
 * host) but requires the GPADL messages, whose length says how many page numbers they carry, to be exact.
 */
public sealed interface ChannelMessage {
    /** HV_MESSAGE_PAYLOAD_BYTE_COUNT. */
    int MAX_SIZE = 240;
    int HEADER_SIZE = 8;
    /** Longest user_def / userdata field (MAX_USER_DEFINED_BYTES). */
    int USER_DEFINED_SIZE = 120;
    /** Page numbers that fit one GPADL_HEADER and one GPADL_BODY. */
    int HEADER_PFNS = (MAX_SIZE - 28) / 8;
    int BODY_PFNS = (MAX_SIZE - 16) / 8;

    ChannelMessageType type();

    /** The message bytes, header included, exactly as long as the structure. */
    byte[] encode();

    static ChannelMessage decode(byte[] b) {
        return decode(b, 0, b.length);
    }

    /**
     * Parses one control message.
     *
     * @throws VmbusProtocolException if it is too short or too long, of an unknown type, or a field is invalid
     */
    static ChannelMessage decode(byte[] b, int off, int length) {
        VmbusProtocolException.require(off >= 0 && length >= 0 && off <= b.length - length, "bad message bounds");
        ChannelMessageHeader header = ChannelMessageHeader.decode(b, off, length);
        VmbusProtocolException.require(length <= MAX_SIZE, "VMBus message of " + length + " bytes exceeds "
                + MAX_SIZE);
        byte[] m = Arrays.copyOfRange(b, off, off + length);
        ChannelMessageType type = header.knownType();
        VmbusProtocolException.require(type != null, "unknown VMBus message type "
                + Integer.toUnsignedString(header.type()));
        VmbusProtocolException.require(length >= type.size(), type + " of " + length + " bytes, needs "
                + type.size());
        return switch (type) {
            case OFFER_CHANNEL -> OfferChannel.decode(m);
            case RESCIND_CHANNEL_OFFER -> new RescindChannelOffer(Le.u32(m, 8));
            case REQUEST_OFFERS -> new RequestOffers();
            case ALL_OFFERS_DELIVERED -> new AllOffersDelivered();
            case OPEN_CHANNEL -> new OpenChannel(Le.u32(m, 8), Le.u32(m, 12), Le.u32(m, 16), Le.u32(m, 20),
                    Le.u32(m, 24), Arrays.copyOfRange(m, 28, 28 + USER_DEFINED_SIZE));
            case OPEN_CHANNEL_RESULT -> new OpenChannelResult(Le.u32(m, 8), Le.u32(m, 12), Le.u32(m, 16));
            case CLOSE_CHANNEL -> new CloseChannel(Le.u32(m, 8));
            case GPADL_HEADER -> GpadlHeader.decode(m);
            case GPADL_BODY -> GpadlBody.decode(m);
            case GPADL_CREATED -> new GpadlCreated(Le.u32(m, 8), Le.u32(m, 12), Le.u32(m, 16));
            case GPADL_TEARDOWN -> new GpadlTeardown(Le.u32(m, 8), Le.u32(m, 12));
            case GPADL_TORNDOWN -> new GpadlTorndown(Le.u32(m, 8));
            case RELID_RELEASED -> new RelidReleased(Le.u32(m, 8));
            case INITIATE_CONTACT -> new InitiateContact(Le.u32(m, 8), Le.u32(m, 12), Le.u64(m, 16),
                    Le.u64(m, 24), Le.u64(m, 32));
            case VERSION_RESPONSE -> new VersionResponse(Le.u8(m, 8) != 0, Le.u8(m, 9), Le.u32(m, 12));
            case UNLOAD -> new Unload();
            case UNLOAD_RESPONSE -> new UnloadResponse();
            case MODIFY_CHANNEL -> new ModifyChannel(Le.u32(m, 8), Le.u32(m, 12));
            case MODIFY_CHANNEL_RESPONSE -> new ModifyChannelResponse(Le.u32(m, 8), Le.u32(m, 12));
        };
    }

    private static byte[] start(ChannelMessageType type, int size) {
        byte[] b = new byte[size];
        Le.put32(b, 0, type.code());
        return b;
    }

    /** A child relid names a channel; Linux refuses relids of 2048 and above (MAX_CHANNEL_RELIDS). */
    int MAX_RELID = 2047;

    // ---- connection ----

    /**
     * INITIATE_CONTACT (40 bytes), guest to host: version @8, target_vcpu @12 (the VP the host answers on),
     * @16 the interrupt page GPA below 5.0, or from 5.0 u8 msg_sint @16, u8 msg_vtl @17, u32 feature_flags @20
     * (5.3); monitor_page1 @24, monitor_page2 @32.
     */
    record InitiateContact(int version, int targetVcpu, long interruptPage, long monitorPage1, long monitorPage2)
            implements ChannelMessage {
        public static InitiateContact v5(int version, int targetVcpu, int messageSint, long monitor1, long monitor2) {
            return new InitiateContact(version, targetVcpu, messageSint & 0xff, monitor1, monitor2);
        }

        /** The guest's message SINT (versions 5.0 and later). */
        public int messageSint() {
            return (int) (interruptPage & 0xff);
        }

        public int featureFlags() {
            return (int) (interruptPage >>> 32);
        }

        @Override
        public ChannelMessageType type() {
            return ChannelMessageType.INITIATE_CONTACT;
        }

        @Override
        public byte[] encode() {
            byte[] b = start(type(), type().size());
            Le.put32(b, 8, version);
            Le.put32(b, 12, targetVcpu);
            Le.put64(b, 16, interruptPage);
            Le.put64(b, 24, monitorPage1);
            Le.put64(b, 32, monitorPage2);
            return b;
        }
    }

    /**
     * VERSION_RESPONSE (16 bytes), host to guest: u8 version_supported @8, u8 connection_state @9,
     * u32 msg_conn_id @12 (from 5.0 the connection id the guest posts to from now on; Linux uses it).
     */
    record VersionResponse(boolean supported, int connectionState, int messageConnectionId) implements ChannelMessage {
        public VersionResponse {
            checkU8(connectionState, "connection_state");
        }

        @Override
        public ChannelMessageType type() {
            return ChannelMessageType.VERSION_RESPONSE;
        }

        @Override
        public byte[] encode() {
            byte[] b = start(type(), type().size());
            Le.put8(b, 8, supported ? 1 : 0);
            Le.put8(b, 9, connectionState);
            Le.put32(b, 12, messageConnectionId);
            return b;
        }
    }

    /** UNLOAD (header only), guest to host: the guest is leaving VMBus; the host answers {@link UnloadResponse}. */
    record Unload() implements ChannelMessage {
        @Override
        public ChannelMessageType type() {
            return ChannelMessageType.UNLOAD;
        }

        @Override
        public byte[] encode() {
            return start(type(), HEADER_SIZE);
        }
    }

    /** UNLOAD_RESPONSE (header only), host to guest. */
    record UnloadResponse() implements ChannelMessage {
        @Override
        public ChannelMessageType type() {
            return ChannelMessageType.UNLOAD_RESPONSE;
        }

        @Override
        public byte[] encode() {
            return start(type(), HEADER_SIZE);
        }
    }

    // ---- offers ----

    /** REQUESTOFFERS (header only), guest to host: send the offers, then {@link AllOffersDelivered}. */
    record RequestOffers() implements ChannelMessage {
        @Override
        public ChannelMessageType type() {
            return ChannelMessageType.REQUEST_OFFERS;
        }

        @Override
        public byte[] encode() {
            return start(type(), HEADER_SIZE);
        }
    }

    /** ALLOFFERS_DELIVERED (header only), host to guest. */
    record AllOffersDelivered() implements ChannelMessage {
        @Override
        public ChannelMessageType type() {
            return ChannelMessageType.ALL_OFFERS_DELIVERED;
        }

        @Override
        public byte[] encode() {
            return start(type(), HEADER_SIZE);
        }
    }

    /**
     * OFFERCHANNEL (196 bytes), host to guest: {@code struct vmbus_channel_offer_channel}.
     * <pre>
     *   @8   if_type GUID           @24  if_instance GUID      @40, @48 reserved
     *   @56  u16 chn_flags          @58  u16 mmio_megabytes    @60  user_def[120]
     *   @180 u16 sub_channel_index  @182 reserved
     *   @184 u32 child_relid        @188 u8 monitorid          @189 u8 monitor_allocated (b0)
     *   @190 u16 is_dedicated_interrupt (b0)                    @192 u32 connection_id
     * </pre>
     */
    record OfferChannel(Guid interfaceType, Guid interfaceInstance, int channelFlags, int mmioMegabytes,
                        byte[] userDefined, int subChannelIndex, int childRelid, int monitorId,
                        boolean monitorAllocated, boolean dedicatedInterrupt, int connectionId)
            implements ChannelMessage {
        public OfferChannel {
            if (interfaceType == null || interfaceInstance == null) {
                throw new VmbusProtocolException("offer without interface GUIDs");
            }
            checkU16(channelFlags, "chn_flags");
            checkU16(mmioMegabytes, "mmio_megabytes");
            checkU16(subChannelIndex, "sub_channel_index");
            checkU8(monitorId, "monitorid");
            checkRelid(childRelid);
            VmbusProtocolException.require(userDefined.length <= USER_DEFINED_SIZE, "offer user_def of "
                    + userDefined.length + " bytes exceeds " + USER_DEFINED_SIZE);
            userDefined = Arrays.copyOf(userDefined, USER_DEFINED_SIZE);
        }

        /** An offer as Celadon makes them: no monitor page, a dedicated interrupt (see the reference, §7). */
        public static OfferChannel of(Guid type, Guid instance, int childRelid, int connectionId) {
            return new OfferChannel(type, instance, 0, 0, new byte[0], 0, childRelid, 0, false, true, connectionId);
        }

        static OfferChannel decode(byte[] m) {
            return new OfferChannel(Guid.decode(m, 8), Guid.decode(m, 24), Le.u16(m, 56), Le.u16(m, 58),
                    Arrays.copyOfRange(m, 60, 60 + USER_DEFINED_SIZE), Le.u16(m, 180), Le.u32(m, 184),
                    Le.u8(m, 188), (Le.u8(m, 189) & 1) != 0, (Le.u16(m, 190) & 1) != 0, Le.u32(m, 192));
        }

        @Override
        public byte[] userDefined() {
            return userDefined.clone();
        }

        @Override
        public ChannelMessageType type() {
            return ChannelMessageType.OFFER_CHANNEL;
        }

        @Override
        public byte[] encode() {
            byte[] b = start(type(), type().size());
            interfaceType.encode(b, 8);
            interfaceInstance.encode(b, 24);
            Le.put16(b, 56, channelFlags);
            Le.put16(b, 58, mmioMegabytes);
            System.arraycopy(userDefined, 0, b, 60, USER_DEFINED_SIZE);
            Le.put16(b, 180, subChannelIndex);
            Le.put32(b, 184, childRelid);
            Le.put8(b, 188, monitorId);
            Le.put8(b, 189, monitorAllocated ? 1 : 0);
            Le.put16(b, 190, dedicatedInterrupt ? 1 : 0);
            Le.put32(b, 192, connectionId);
            return b;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof OfferChannel x && x.interfaceType.equals(interfaceType)
                    && x.interfaceInstance.equals(interfaceInstance) && x.channelFlags == channelFlags
                    && x.mmioMegabytes == mmioMegabytes && Arrays.equals(x.userDefined, userDefined)
                    && x.subChannelIndex == subChannelIndex && x.childRelid == childRelid
                    && x.monitorId == monitorId && x.monitorAllocated == monitorAllocated
                    && x.dedicatedInterrupt == dedicatedInterrupt && x.connectionId == connectionId;
        }

        @Override
        public int hashCode() {
            return interfaceInstance.hashCode() * 31 + childRelid;
        }
    }

    /** RESCIND_CHANNELOFFER (12 bytes), host to guest: child_relid @8; the guest answers {@link RelidReleased}. */
    record RescindChannelOffer(int childRelid) implements ChannelMessage {
        public RescindChannelOffer {
            checkRelid(childRelid);
        }

        @Override
        public ChannelMessageType type() {
            return ChannelMessageType.RESCIND_CHANNEL_OFFER;
        }

        @Override
        public byte[] encode() {
            return relidMessage(type(), childRelid);
        }
    }

    /** RELID_RELEASED (12 bytes), guest to host: child_relid @8. */
    record RelidReleased(int childRelid) implements ChannelMessage {
        public RelidReleased {
            checkRelid(childRelid);
        }

        @Override
        public ChannelMessageType type() {
            return ChannelMessageType.RELID_RELEASED;
        }

        @Override
        public byte[] encode() {
            return relidMessage(type(), childRelid);
        }
    }

    // ---- open and close ----

    /**
     * OPENCHANNEL (148 bytes), guest to host: child_relid @8, openid @12, ringbuffer_gpadlhandle @16,
     * target_vp @20, downstream_ringbuffer_pageoffset @24 (the page where the host-to-guest ring starts, = the
     * guest-to-host ring's pages), userdata[120] @28.
     */
    record OpenChannel(int childRelid, int openId, int ringGpadl, int targetVp, int downstreamPageOffset,
                       byte[] userData) implements ChannelMessage {
        public OpenChannel {
            checkRelid(childRelid);
            VmbusProtocolException.require(userData.length <= USER_DEFINED_SIZE, "open userdata of "
                    + userData.length + " bytes exceeds " + USER_DEFINED_SIZE);
            userData = Arrays.copyOf(userData, USER_DEFINED_SIZE);
        }

        @Override
        public byte[] userData() {
            return userData.clone();
        }

        @Override
        public ChannelMessageType type() {
            return ChannelMessageType.OPEN_CHANNEL;
        }

        @Override
        public byte[] encode() {
            byte[] b = start(type(), type().size());
            Le.put32(b, 8, childRelid);
            Le.put32(b, 12, openId);
            Le.put32(b, 16, ringGpadl);
            Le.put32(b, 20, targetVp);
            Le.put32(b, 24, downstreamPageOffset);
            System.arraycopy(userData, 0, b, 28, USER_DEFINED_SIZE);
            return b;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof OpenChannel x && x.childRelid == childRelid && x.openId == openId
                    && x.ringGpadl == ringGpadl && x.targetVp == targetVp
                    && x.downstreamPageOffset == downstreamPageOffset && Arrays.equals(x.userData, userData);
        }

        @Override
        public int hashCode() {
            return childRelid * 31 + ringGpadl;
        }
    }

    /** OPENCHANNEL_RESULT (20 bytes), host to guest: child_relid @8, openid @12, status @16 (0 = opened). */
    record OpenChannelResult(int childRelid, int openId, int status) implements ChannelMessage {
        public OpenChannelResult {
            checkRelid(childRelid);
        }

        @Override
        public ChannelMessageType type() {
            return ChannelMessageType.OPEN_CHANNEL_RESULT;
        }

        @Override
        public byte[] encode() {
            byte[] b = start(type(), type().size());
            Le.put32(b, 8, childRelid);
            Le.put32(b, 12, openId);
            Le.put32(b, 16, status);
            return b;
        }
    }

    /** CLOSECHANNEL (12 bytes), guest to host: child_relid @8; no answer. */
    record CloseChannel(int childRelid) implements ChannelMessage {
        public CloseChannel {
            checkRelid(childRelid);
        }

        @Override
        public ChannelMessageType type() {
            return ChannelMessageType.CLOSE_CHANNEL;
        }

        @Override
        public byte[] encode() {
            return relidMessage(type(), childRelid);
        }
    }

    /** MODIFYCHANNEL (16 bytes), guest to host: child_relid @8, target_vp @12. */
    record ModifyChannel(int childRelid, int targetVp) implements ChannelMessage {
        public ModifyChannel {
            checkRelid(childRelid);
        }

        @Override
        public ChannelMessageType type() {
            return ChannelMessageType.MODIFY_CHANNEL;
        }

        @Override
        public byte[] encode() {
            byte[] b = relidMessage(type(), childRelid);
            Le.put32(b, 12, targetVp);
            return b;
        }
    }

    /** MODIFYCHANNEL_RESPONSE (16 bytes), host to guest: child_relid @8, status @12 (required from 5.3). */
    record ModifyChannelResponse(int childRelid, int status) implements ChannelMessage {
        public ModifyChannelResponse {
            checkRelid(childRelid);
        }

        @Override
        public ChannelMessageType type() {
            return ChannelMessageType.MODIFY_CHANNEL_RESPONSE;
        }

        @Override
        public byte[] encode() {
            byte[] b = relidMessage(type(), childRelid);
            Le.put32(b, 12, status);
            return b;
        }
    }

    // ---- GPADLs ----

    /**
     * GPADL_HEADER, guest to host: child_relid @8, gpadl @12, u16 range_buflen @16, u16 rangecount @18, then
     * one {@code gpa_range}: byte_count @20, byte_offset @24, pfn[] @28. range_buflen = 8 + 8 * (all pages of
     * the GPADL); this message carries the first {@link #HEADER_PFNS} at most, GPADL_BODY messages the rest.
     * Only {@code rangecount = 1} is accepted (all Linux sends; more ranges would make the lengths ambiguous).
     */
    record GpadlHeader(int childRelid, int gpadl, int rangeBufferLength, int byteCount, int byteOffset, long[] pfns)
            implements ChannelMessage {
        public GpadlHeader {
            checkRelid(childRelid);
            checkU16(rangeBufferLength, "range_buflen");
            VmbusProtocolException.require(rangeBufferLength >= 16 && (rangeBufferLength - 8) % 8 == 0,
                    "GPADL_HEADER range_buflen " + rangeBufferLength + " is not 8 + 8 * pages");
            VmbusProtocolException.require(pfns.length >= 1 && pfns.length <= HEADER_PFNS, "GPADL_HEADER with "
                    + pfns.length + " page numbers (1 to " + HEADER_PFNS + " fit)");
            VmbusProtocolException.require(pfns.length <= (rangeBufferLength - 8) / 8, "GPADL_HEADER carries "
                    + pfns.length + " page numbers, range_buflen " + rangeBufferLength + " says "
                    + (rangeBufferLength - 8) / 8 + " in all");
            pfns = pfns.clone();
        }

        /** The header for a GPADL of {@code totalPages} pages whose first page numbers are {@code pfns}. */
        public static GpadlHeader of(int childRelid, int gpadl, int totalPages, int byteCount, int byteOffset,
                                     long[] pfns) {
            return new GpadlHeader(childRelid, gpadl, 8 + 8 * totalPages, byteCount, byteOffset, pfns);
        }

        static GpadlHeader decode(byte[] m) {
            int rangeCount = Le.u16(m, 18);
            VmbusProtocolException.require(rangeCount == 1, "GPADL_HEADER rangecount " + rangeCount
                    + ", only 1 is supported");
            VmbusProtocolException.require((m.length - 28) % 8 == 0, "GPADL_HEADER of " + m.length
                    + " bytes is not 28 + 8 * pages");
            long[] pfns = new long[(m.length - 28) / 8];
            for (int i = 0; i < pfns.length; i++) {
                pfns[i] = Le.u64(m, 28 + 8 * i);
            }
            return new GpadlHeader(Le.u32(m, 8), Le.u32(m, 12), Le.u16(m, 16), Le.u32(m, 20), Le.u32(m, 24), pfns);
        }

        /** Pages in the whole GPADL, header and bodies. */
        public int totalPages() {
            return (rangeBufferLength - 8) / 8;
        }

        @Override
        public long[] pfns() {
            return pfns.clone();
        }

        @Override
        public ChannelMessageType type() {
            return ChannelMessageType.GPADL_HEADER;
        }

        @Override
        public byte[] encode() {
            byte[] b = start(type(), 28 + 8 * pfns.length);
            Le.put32(b, 8, childRelid);
            Le.put32(b, 12, gpadl);
            Le.put16(b, 16, rangeBufferLength);
            Le.put16(b, 18, 1);
            Le.put32(b, 20, byteCount);
            Le.put32(b, 24, byteOffset);
            for (int i = 0; i < pfns.length; i++) {
                Le.put64(b, 28 + 8 * i, pfns[i]);
            }
            return b;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof GpadlHeader x && x.childRelid == childRelid && x.gpadl == gpadl
                    && x.rangeBufferLength == rangeBufferLength && x.byteCount == byteCount
                    && x.byteOffset == byteOffset && Arrays.equals(x.pfns, pfns);
        }

        @Override
        public int hashCode() {
            return gpadl * 31 + Arrays.hashCode(pfns);
        }
    }

    /**
     * GPADL_BODY, guest to host: msgnumber @8 (Linux leaves it 0), gpadl @12, pfn[] @16, at most
     * {@link #BODY_PFNS}.
     */
    record GpadlBody(int messageNumber, int gpadl, long[] pfns) implements ChannelMessage {
        public GpadlBody {
            VmbusProtocolException.require(pfns.length >= 1 && pfns.length <= BODY_PFNS, "GPADL_BODY with "
                    + pfns.length + " page numbers (1 to " + BODY_PFNS + " fit)");
            pfns = pfns.clone();
        }

        static GpadlBody decode(byte[] m) {
            VmbusProtocolException.require((m.length - 16) % 8 == 0, "GPADL_BODY of " + m.length
                    + " bytes is not 16 + 8 * pages");
            long[] pfns = new long[(m.length - 16) / 8];
            for (int i = 0; i < pfns.length; i++) {
                pfns[i] = Le.u64(m, 16 + 8 * i);
            }
            return new GpadlBody(Le.u32(m, 8), Le.u32(m, 12), pfns);
        }

        @Override
        public long[] pfns() {
            return pfns.clone();
        }

        @Override
        public ChannelMessageType type() {
            return ChannelMessageType.GPADL_BODY;
        }

        @Override
        public byte[] encode() {
            byte[] b = start(type(), 16 + 8 * pfns.length);
            Le.put32(b, 8, messageNumber);
            Le.put32(b, 12, gpadl);
            for (int i = 0; i < pfns.length; i++) {
                Le.put64(b, 16 + 8 * i, pfns[i]);
            }
            return b;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof GpadlBody x && x.messageNumber == messageNumber && x.gpadl == gpadl
                    && Arrays.equals(x.pfns, pfns);
        }

        @Override
        public int hashCode() {
            return gpadl * 31 + Arrays.hashCode(pfns);
        }
    }

    /** GPADL_CREATED (20 bytes), host to guest: child_relid @8, gpadl @12, creation_status @16 (0 = created). */
    record GpadlCreated(int childRelid, int gpadl, int status) implements ChannelMessage {
        public GpadlCreated {
            checkRelid(childRelid);
        }

        @Override
        public ChannelMessageType type() {
            return ChannelMessageType.GPADL_CREATED;
        }

        @Override
        public byte[] encode() {
            byte[] b = relidMessage(type(), childRelid);
            Le.put32(b, 12, gpadl);
            Le.put32(b, 16, status);
            return b;
        }
    }

    /** GPADL_TEARDOWN (16 bytes), guest to host: child_relid @8, gpadl @12; the host answers {@link GpadlTorndown}. */
    record GpadlTeardown(int childRelid, int gpadl) implements ChannelMessage {
        public GpadlTeardown {
            checkRelid(childRelid);
        }

        @Override
        public ChannelMessageType type() {
            return ChannelMessageType.GPADL_TEARDOWN;
        }

        @Override
        public byte[] encode() {
            byte[] b = relidMessage(type(), childRelid);
            Le.put32(b, 12, gpadl);
            return b;
        }
    }

    /** GPADL_TORNDOWN (12 bytes), host to guest: gpadl @8. */
    record GpadlTorndown(int gpadl) implements ChannelMessage {
        @Override
        public ChannelMessageType type() {
            return ChannelMessageType.GPADL_TORNDOWN;
        }

        @Override
        public byte[] encode() {
            byte[] b = start(type(), type().size());
            Le.put32(b, 8, gpadl);
            return b;
        }
    }

    private static byte[] relidMessage(ChannelMessageType type, int relid) {
        byte[] b = start(type, type.size());
        Le.put32(b, 8, relid);
        return b;
    }

    private static void checkRelid(int relid) {
        VmbusProtocolException.require(relid >= 1 && relid <= MAX_RELID, "child_relid "
                + Integer.toUnsignedString(relid) + " is outside 1.." + MAX_RELID);
    }

    private static void checkU16(int v, String field) {
        VmbusProtocolException.require(v >>> 16 == 0, field + " " + v + " does not fit 16 bits");
    }

    private static void checkU8(int v, String field) {
        VmbusProtocolException.require(v >>> 8 == 0, field + " " + v + " does not fit 8 bits");
    }
}
