package dev.celadon.vmbus;

import dev.celadon.vmbus.ChannelMessage.*;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Seeded fuzzing of the control message decoders: valid messages mutated (bytes flipped, lengths changed, type
 * swapped) and random bytes. The only exception allowed is VmbusProtocolException; every accepted message must
 * survive encode and decode unchanged.
 */
class ChannelMessageFuzzTest {
    static final int CASES = 100_000;

    @Test
    void decodersThrowOnlyProtocolExceptions() {
        Random rnd = new Random(0xC0FFEE);
        List<byte[]> seeds = List.of(
                OfferChannel.of(ChannelMessageTest.SCSI, Guid.parse("01234567-89ab-cdef-0123-456789abcdef"), 1, 17).encode(),
                new InitiateContact(VmbusVersion.WIN10, 0, 0x3000, 0x4000, 0x5000).encode(),
                new VersionResponse(true, 0, 1).encode(),
                new OpenChannel(1, 1, 0xE1E10, 0, 32, new byte[24]).encode(),
                GpadlHeader.of(1, 0xE1E10, 40, 40 * 4096, 0, new long[26]).encode(),
                new GpadlBody(0, 0xE1E10, new long[14]).encode(),
                new GpadlTeardown(1, 2).encode(), new RequestOffers().encode(), new RescindChannelOffer(3).encode());
        int accepted = 0;
        int[] perType = new int[32];
        for (int i = 0; i < CASES; i++) {
            byte[] m;
            if (i % 10 == 0) {
                m = new byte[rnd.nextInt(260)];
                rnd.nextBytes(m);
                if (m.length >= 4 && rnd.nextBoolean()) {
                    m[0] = (byte) rnd.nextInt(26);
                    m[1] = m[2] = m[3] = 0;
                }
            } else {
                byte[] s = seeds.get(rnd.nextInt(seeds.size()));
                m = Arrays.copyOf(s, Math.max(0, s.length + (rnd.nextInt(4) == 0 ? rnd.nextInt(40) - 20 : 0)));
                for (int k = rnd.nextInt(4); k > 0 && m.length > 0; k--) {
                    m[rnd.nextInt(m.length)] = (byte) rnd.nextInt(256);
                }
                if (rnd.nextInt(8) == 0 && m.length >= 4) {
                    m[0] = (byte) rnd.nextInt(26);
                }
            }
            ChannelMessage d;
            try {
                d = ChannelMessage.decode(m);
            } catch (VmbusProtocolException e) {
                assertTrue(e.getMessage() != null && !e.getMessage().isEmpty());
                continue;
            }
            accepted++;
            perType[d.type().code()]++;
            assertEquals(d, ChannelMessage.decode(d.encode()), "case " + i);
            if (d instanceof GpadlHeader h) {
                try {
                    new GpadlAssembler(h).gpadl();
                } catch (VmbusProtocolException expected) {
                    // incomplete or inconsistent: the documented outcome
                }
            }
        }
        // The fuzzer must reach deep into the decoders, not stop at the header check.
        assertTrue(accepted > CASES / 10, "accepted " + accepted);
        for (ChannelMessageType t : new ChannelMessageType[] {ChannelMessageType.OFFER_CHANNEL,
            ChannelMessageType.GPADL_HEADER, ChannelMessageType.GPADL_BODY, ChannelMessageType.OPEN_CHANNEL}) {
            assertTrue(perType[t.code()] > 100, t + " accepted " + perType[t.code()]);
        }
    }

    @Test
    void packetAndGpaDirectDecodersThrowOnlyProtocolExceptions() {
        Random rnd = new Random(0xBEEF);
        byte[] seed = new VmPacket(VmPacketType.DATA_USING_GPA_DIRECT, 1, 9, GpaDirect.encode(List.of(
                new GpaDirect.Range(5000, 100, new long[] {1, 2}), new GpaDirect.Range(10, 0, new long[] {3}))),
                new byte[64]).encode();
        int ranges = 0;
        for (int i = 0; i < 50_000; i++) {
            byte[] b = Arrays.copyOf(seed, seed.length + (rnd.nextInt(4) == 0 ? 8 * (rnd.nextInt(5) - 2) : 0));
            for (int k = 1 + rnd.nextInt(3); k > 0; k--) {
                b[rnd.nextInt(rnd.nextBoolean() ? Math.min(b.length, 48) : b.length)] = (byte) rnd.nextInt(256);
            }
            try {
                VmPacket p = VmPacket.decode(b, 0, b.length);
                ranges += GpaDirect.decode(p).size();
            } catch (VmbusProtocolException e) {
                assertTrue(e.getMessage() != null && !e.getMessage().isEmpty());
            }
        }
        assertTrue(ranges > 5_000, "ranges decoded " + ranges);
    }
}
