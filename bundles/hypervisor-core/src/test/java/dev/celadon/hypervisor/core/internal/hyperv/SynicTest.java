package dev.celadon.hypervisor.core.internal.hyperv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.celadon.emulator.internal.EmulatorBackend;
import dev.celadon.guest.linux.internal.LinuxGuestPack;
import dev.celadon.hypervisor.api.Partition;
import dev.celadon.hypervisor.api.PartitionConfig;
import dev.celadon.hypervisor.api.hyperv.HvMessageType;
import dev.celadon.hypervisor.api.hyperv.PostResult;
import dev.celadon.hypervisor.api.hyperv.SynicMessage;
import dev.celadon.hypervisor.api.intercept.GeneralProtectionFault;
import dev.celadon.hypervisor.core.internal.PartitionManagerImpl;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One SynIC on a real (not started) emulator partition's RAM: the slot protocol as the guest's memory shows it,
 * the queue bound, event flag bits, and the MSR checks. The guest's side is played by writes to its memory.
 */
class SynicTest {

    static final long SIMP = 0x20000, SIEFP = 0x21000;
    Partition p;
    Synic synic;

    @BeforeEach
    void partition() {
        PartitionManagerImpl pm = new PartitionManagerImpl(new LinuxGuestPack());
        pm.register("emulator", 50, new EmulatorBackend());
        p = pm.create(new PartitionConfig("synic", 1, 4L << 20, "emulator"));
        synic = new Synic(0, p.memory(), p.interrupts());
    }

    @AfterEach
    void stop() {
        p.stop();
    }

    void enable() {
        synic.write(Synic.SIMP, SIMP | 1);
        synic.write(Synic.SIEFP, SIEFP | 1);
        synic.write(Synic.SINT0 + 3, 0x60);
        synic.write(Synic.SCONTROL, 1);
    }

    static SynicMessage message(int n) {
        return new SynicMessage(new HvMessageType(n), n * 10L, ("m" + n).getBytes());
    }

    long slot(int sint) {
        return SIMP + sint * 256L;
    }

    @Test
    void nothingIsDeliveredUntilSynicThePageAndTheSintAreEnabled() {
        assertEquals(PostResult.NOT_ENABLED, synic.post(3, message(1)));
        synic.write(Synic.SIMP, SIMP | 1);
        synic.write(Synic.SCONTROL, 1);
        assertEquals(PostResult.NOT_ENABLED, synic.post(3, message(1)), "SINT3 is masked after reset");
        synic.write(Synic.SINT0 + 3, 0x60);
        assertEquals(PostResult.DELIVERED, synic.post(3, message(1)));
        assertEquals(1, p.memory().readU32(slot(3)));
        assertEquals(0, p.memory().readU32(slot(2)), "other slots untouched");
    }

    @Test
    void aBusySlotQueuesSetsPendingAndTheGuestsEomDeliversTheNext() {
        enable();
        assertEquals(PostResult.DELIVERED, synic.post(3, message(1)));
        assertArrayEquals(message(1).encode(), p.memory().read(slot(3), 256));
        assertEquals(PostResult.QUEUED, synic.post(3, message(2)));
        assertEquals(PostResult.QUEUED, synic.post(3, message(3)));
        assertEquals(1, p.memory().readU8(slot(3) + 5) & 1, "message pending");
        synic.write(Synic.EOM, 0);
        assertEquals(1, p.memory().readU32(slot(3)), "EOM with the slot still busy delivers nothing");
        // The guest frees the slot (type to None) and writes EOM.
        p.memory().writeU32(slot(3), 0);
        synic.write(Synic.EOM, 0);
        assertEquals(2, p.memory().readU32(slot(3)));
        assertEquals("m2", new String(SynicMessage.decode(p.memory().read(slot(3), 256)).payload()));
        assertEquals(1, p.memory().readU8(slot(3) + 5) & 1, "message 3 still waits");
        p.memory().writeU32(slot(3), 0);
        synic.write(Synic.EOM, 0);
        assertEquals(3, p.memory().readU32(slot(3)));
        assertEquals(0, p.memory().readU8(slot(3) + 5) & 1, "the queue is empty");
        assertEquals(0, synic.queued(3));
    }

    @Test
    void aGuestThatNeverFreesItsSlotCannotMakeTheHostQueueWithoutBound() {
        enable();
        assertEquals(PostResult.DELIVERED, synic.post(3, message(1)));
        for (int i = 0; i < Synic.QUEUE_LIMIT; i++) {
            assertEquals(PostResult.QUEUED, synic.post(3, message(2)));
        }
        assertEquals(PostResult.QUEUE_FULL, synic.post(3, message(2)));
        assertEquals(Synic.QUEUE_LIMIT, synic.queued(3));
    }

    @Test
    void eventFlagsAreBitsOfTheSintsAreaInTheSiefpPage() {
        enable();
        assertEquals(PostResult.DELIVERED, synic.signalEvent(3, 0));
        assertEquals(PostResult.DELIVERED, synic.signalEvent(3, 33));
        assertEquals(PostResult.DELIVERED, synic.signalEvent(3, 2047));
        long area = SIEFP + 3 * 256L;
        assertEquals(1, p.memory().readU32(area));
        assertEquals(2, p.memory().readU32(area + 4));
        assertEquals(0x80, p.memory().readU8(area + 255));
        assertEquals(0, p.memory().readU32(SIEFP + 2 * 256L));
        assertThrows(IllegalArgumentException.class, () -> synic.signalEvent(3, 2048));
        assertThrows(IllegalArgumentException.class, () -> synic.signalEvent(16, 0));
    }

    @Test
    void reservedBitsAndBadValuesTakeGp() {
        assertThrows(GeneralProtectionFault.class, () -> synic.write(Synic.SCONTROL, 2));
        assertThrows(GeneralProtectionFault.class, () -> synic.write(Synic.SVERSION, 1));
        assertThrows(GeneralProtectionFault.class, () -> synic.write(Synic.SIMP, SIMP | 0x10));
        assertThrows(GeneralProtectionFault.class, () -> synic.write(Synic.SIEFP, (64L << 20) | 1), "not RAM");
        assertThrows(GeneralProtectionFault.class, () -> synic.write(Synic.SINT0, 0x0F), "vector below 16");
        assertThrows(GeneralProtectionFault.class, () -> synic.write(Synic.SINT0, 0x60 | 1L << 19));
        assertThrows(GeneralProtectionFault.class, () -> synic.read(0x40000085));
        synic.write(Synic.SINT0, Synic.SINT_MASKED); // masked with vector 0 is the reset value: allowed
        synic.write(Synic.SIEFP, 64L << 20); // a disabled page's address is not checked
        assertEquals(Synic.SINT_MASKED, synic.read(Synic.SINT0));
        assertEquals(1, synic.read(Synic.SVERSION));
        assertEquals(0, synic.read(Synic.EOM));
    }
}
