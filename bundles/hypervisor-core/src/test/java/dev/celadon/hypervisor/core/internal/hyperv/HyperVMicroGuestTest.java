package dev.celadon.hypervisor.core.internal.hyperv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.celadon.device.serial.SerialOutput;
import dev.celadon.device.serial.Uart16550;
import dev.celadon.emulator.internal.EmulatorBackend;
import dev.celadon.guest.linux.internal.LinuxGuestPack;
import dev.celadon.guest.micro.MicroGuests;
import dev.celadon.hypervisor.api.Partition;
import dev.celadon.hypervisor.api.PartitionConfig;
import dev.celadon.hypervisor.api.hyperv.ConnectionHandler;
import dev.celadon.hypervisor.api.hyperv.HvMessageType;
import dev.celadon.hypervisor.api.hyperv.HvPartition;
import dev.celadon.hypervisor.api.hyperv.HvStatus;
import dev.celadon.hypervisor.api.hyperv.PostResult;
import dev.celadon.hypervisor.api.hyperv.SynicMessage;
import dev.celadon.hypervisor.core.internal.PartitionManagerImpl;
import dev.celadon.loader.BootRequest;
import dev.celadon.loader.LoadedImage;
import dev.celadon.loader.internal.KernelLoader;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The hvtest micro-guest on the real emulator, loaded by the real loader, its console read through the real
 * 16550A: what a guest sees of the Hyper-V interface, and the SynIC delivery protocol driven from the host.
 */
class HyperVMicroGuestTest {

    static final long TIMEOUT_MS = 60_000;

    /** COM1 output, with a wait for a line to appear. */
    static final class Console implements SerialOutput {
        private final StringBuilder out = new StringBuilder();

        @Override
        public synchronized void write(byte b) {
            if (b != '\r') {
                out.append((char) (b & 0xFF));
            }
            notifyAll();
        }

        synchronized String text() {
            return out.toString();
        }

        synchronized void await(String line, Partition p) throws InterruptedException {
            long end = System.currentTimeMillis() + TIMEOUT_MS;
            while (out.indexOf(line + "\n") < 0) {
                long left = end - System.currentTimeMillis();
                if (left <= 0 || p.state().isTerminal()) {
                    throw new AssertionError("no '" + line + "' (" + p.state() + " " + p.failureReason().orElse("")
                            + "); console:\n" + out);
                }
                wait(Math.min(left, 200));
            }
        }

        /** The value after "key=" on the line that has it. */
        synchronized String value(String key) {
            Matcher m = Pattern.compile("(?m)^" + Pattern.quote(key) + "=(.*)$").matcher(out);
            if (!m.find()) {
                throw new AssertionError("no '" + key + "=' on the console:\n" + out);
            }
            return m.group(1);
        }
    }

    record Posted(int vp, int connection, HvMessageType type, byte[] payload) {
    }

    @Test
    void theGuestSeesTheHyperVInterfaceEveryBadCallFailsWithItsStatusAndSynicDeliversInOrder() throws Exception {
        PartitionManagerImpl pm = new PartitionManagerImpl(new LinuxGuestPack());
        EmulatorBackend backend = new EmulatorBackend();
        pm.register("emulator", 50, backend);
        Partition p = pm.create(new PartitionConfig("hvtest", 1, 32L << 20, "emulator"));
        try {
            HvPartition hv = new HyperVService().of(p).orElseThrow();
            Console con = new Console();
            Uart16550.attach(p, Uart16550.COM1_BASE, p.interrupts().line(Uart16550.COM1_IRQ), con);
            List<Posted> posted = new CopyOnWriteArrayList<>();
            List<Integer> signalled = new CopyOnWriteArrayList<>();
            hv.connect(0x1234, new ConnectionHandler() {
                @Override
                public int postMessage(int vp, int connection, HvMessageType type, byte[] payload) {
                    posted.add(new Posted(vp, connection, type, payload));
                    return HvStatus.SUCCESS;
                }
            });
            hv.connect(0x77, new ConnectionHandler() {
                @Override
                public int signalEvent(int vp, int connection, int flag) {
                    signalled.add(flag);
                    return HvStatus.SUCCESS;
                }
            });
            SynicMessage first = new SynicMessage(HvMessageType.VMBUS, 7, "hello from the host".getBytes(StandardCharsets.US_ASCII));
            SynicMessage second = new SynicMessage(new HvMessageType(0x42), 8, "second, queued".getBytes(StandardCharsets.US_ASCII));
            assertEquals(PostResult.NOT_ENABLED, hv.post(0, 2, first), "SynIC is off until the guest enables it");

            LoadedImage img = new KernelLoader().load(p.memory(), BootRequest.of(MicroGuests.image("hvtest"), null, ""));
            p.start(img.bootState());
            con.await("synic ready", p);

            // CPUID, as the guest's own CPUID instructions returned it.
            assertEquals("1", con.value("hypervisor-bit"));
            assertEquals("Microsoft Hv", con.value("vendor"));
            assertEquals("4000000a 7263694d 666f736f 76482074", con.value("cpuid 40000000"));
            assertTrue(con.value("cpuid 40000001").startsWith("31237648 "), "interface Hv#1"); // "Hv#1" little-endian
            String[] features = con.value("cpuid 40000003").split(" ");
            int eax = Integer.parseUnsignedInt(features[0], 16), ebx = Integer.parseUnsignedInt(features[1], 16);
            assertEquals(0x8064, eax & 0x8064, "AccessSynicRegs, AccessHypercallMsrs, AccessVpIndex, AccessTscInvariantControls");
            assertEquals(0x30, ebx & 0x30, "PostMessages, SignalEvents");
            assertEquals(0, ebx & (1 << 1 | 1 << 12 | 1 << 22), "no root or isolation privileges");
            assertEquals("200 ffffffff 0 0", con.value("cpuid 40000004"));
            assertEquals("1 1 0 0", con.value("cpuid 40000005"));
            assertEquals("0 0 0 0", con.value("cpuid 4000000a"));

            // Synthetic MSRs and the hypercall page.
            assertEquals("1", con.value("hypercall-before-osid gp"));
            assertEquals("8100000601b00000", con.value("guest-os-id"));
            assertEquals("Linux 6.1.176 (os id 0, build 0)", hv.guestOsId().describe());
            assertEquals("1", con.value("hypercall-reserved gp"));
            assertEquals("0", con.value("hypercall-enable gp"));
            String[] msr = con.value("hypercall-msr").split(" page=");
            long page = Long.parseLong(msr[1], 16);
            assertEquals(page | 1, Long.parseUnsignedLong(msr[0], 16));
            assertEquals(page, hv.hypercallPage());
            byte[] seq = backendSequence(backend);
            byte[] expected = new byte[4096];
            Arrays.fill(expected, (byte) 0xCC);
            System.arraycopy(seq, 0, expected, 0, seq.length);
            expected[seq.length] = (byte) 0xC3;
            assertArrayEquals(expected, p.memory().read(page, 4096), "backend sequence, RET, INT3 to the end");
            StringBuilder first8 = new StringBuilder();
            for (int i = 0; i < 8; i++) {
                first8.append(Integer.toHexString(expected[i] & 0xFF)).append(' ');
            }
            assertEquals(first8 + "last=cc", con.value("page-bytes"), "what the guest reads back from its page");
            assertEquals("0", con.value("vp-index"));
            assertEquals("1", con.value("vp-index-write gp"));
            assertEquals("0", con.value("vp-assist gp"));
            assertEquals("1", con.value("vp-assist-reserved gp"));
            assertEquals("0", con.value("tsc-invariant gp"));
            assertEquals("1", con.value("tsc-invariant-control"));

            // Every refused call with its TLFS status; the guest printed RAX.
            assertStatus(con, "unknown-code", HvStatus.INVALID_HYPERCALL_CODE);
            assertStatus(con, "misaligned", HvStatus.INVALID_ALIGNMENT);
            assertStatus(con, "page-cross", HvStatus.INVALID_ALIGNMENT);
            assertStatus(con, "outside-ram", HvStatus.INVALID_PARAMETER);
            assertStatus(con, "reserved-bits", HvStatus.INVALID_HYPERCALL_INPUT);
            assertStatus(con, "rep-count", HvStatus.INVALID_HYPERCALL_INPUT);
            assertStatus(con, "fast-post", HvStatus.INVALID_HYPERCALL_INPUT);
            assertStatus(con, "post-241", HvStatus.INVALID_PARAMETER);
            assertStatus(con, "post-type0", HvStatus.INVALID_PARAMETER);
            assertStatus(con, "post-bad-connection", HvStatus.INVALID_CONNECTION_ID);
            assertStatus(con, "post-ok", HvStatus.SUCCESS);
            assertStatus(con, "signal-ok", HvStatus.SUCCESS);
            assertStatus(con, "signal-bad-flag", HvStatus.INVALID_PARAMETER);
            assertStatus(con, "signal-bad-connection", HvStatus.INVALID_CONNECTION_ID);
            // Only the good calls reached the handlers, with what the guest put in its input page.
            assertEquals(1, posted.size(), posted.toString());
            assertEquals("hello from hvtest!", new String(posted.get(0).payload(), StandardCharsets.US_ASCII));
            assertEquals(HvMessageType.VMBUS, posted.get(0).type());
            assertEquals(0x1234, posted.get(0).connection());
            assertEquals(List.of(3), signalled);
            assertEquals(13, hv.hypercallCount(0), "10 HvPostMessage and 3 HvSignalEvent calls");

            // SynIC MSRs.
            assertEquals("1", con.value("sversion"));
            assertEquals("1", con.value("sint-reserved gp"));
            assertEquals("1", con.value("sint-low-vector gp"));
            assertEquals("1", con.value("simp-reserved gp"));
            assertEquals("1", con.value("simp-outside-ram gp"));

            // Host to guest: the first message goes into the free slot, the second waits for the guest's EOM.
            assertEquals(PostResult.DELIVERED, hv.post(0, 2, first));
            assertEquals(PostResult.QUEUED, hv.post(0, 2, second));
            assertEquals(PostResult.DELIVERED, hv.signalEvent(0, 2, 5));
            con.await("hvtest done", p);
            // The first slot carried the pending flag (the second was queued behind it), so the guest wrote EOM; the
            // second came with the flag clear: nothing else waits.
            assertTrue(con.text().contains("message1 type=1 size=19 pending=1 sender=7 payload=hello from the host\n"
                    + "eom written\nmessage2 type=42 size=14 pending=0 sender=8 payload=second, queued\n"), con.text());
            assertEquals("20", con.value("event flags"), "bit 5");
            assertEquals(Long.toHexString(page), con.value("osid-cleared hypercall-msr"), "enable bit cleared");
            assertStatus(con, "disabled-page", HvStatus.ACCESS_DENIED);
            assertEquals(-1, hv.hypercallPage());
            assertEquals(1, posted.size(), "the refused call reached no handler");
            assertEquals(14, hv.hypercallCount(0));
            String[] ints = con.value("interrupts").split(" gp=");
            assertTrue(Integer.parseInt(ints[0]) >= 2, "at least the two messages interrupted: " + ints[0]);
            assertEquals(0, ((HvPartitionImpl) hv).queued(0, 2));
        } finally {
            p.stop();
        }
        assertTrue(new HyperVService().of(p).isEmpty(), "the layer is forgotten with its partition");
    }

    private static void assertStatus(Console con, String name, int status) {
        assertEquals(Integer.toHexString(status), con.value("status " + name), name + ": " + HvStatus.name(status));
    }

    /** The trapping sequence this backend reports, from a throwaway partition of its own. */
    private static byte[] backendSequence(EmulatorBackend backend) {
        var bp = backend.createPartition(new PartitionConfig("seq", 1, 2L << 20, "emulator"), null);
        try {
            return bp.hypercallSequence();
        } finally {
            bp.close();
        }
    }
}
