package dev.celadon.hypervisor.core.internal.hyperv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.celadon.emulator.internal.EmulatorBackend;
import dev.celadon.guest.linux.internal.LinuxGuestPack;
import dev.celadon.hypervisor.api.Partition;
import dev.celadon.hypervisor.api.PartitionConfig;
import dev.celadon.hypervisor.api.PartitionDevice;
import dev.celadon.hypervisor.api.enlightenment.EnlightenedPartition;
import dev.celadon.hypervisor.api.enlightenment.Enlightenment;
import dev.celadon.hypervisor.api.enlightenment.EnlightenmentInstance;
import dev.celadon.hypervisor.api.enlightenment.HvCpuidBits;
import dev.celadon.hypervisor.core.internal.PartitionManagerImpl;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * How the core applies enlightenments at partition creation, seen from the guest (guest-micro's hvenl prints
 * CPUID 0x40000003/4) and from the teardown order: bits added and withdrawn, requirements ordered, a failing or
 * declining enlightenment left out with its bits, instances closed after the devices and before memory goes.
 */
class EnlightenmentCompositionTest {

    private final List<String> events = new CopyOnWriteArrayList<>();

    /** A test enlightenment: {@code attach} decides per partition. */
    private record Fake(String feature, Set<String> requires, HvCpuidBits cpuid,
                        Function<EnlightenedPartition, Optional<EnlightenmentInstance>> onAttach) implements Enlightenment {
        @Override
        public Optional<EnlightenmentInstance> attach(EnlightenedPartition partition) {
            return onAttach.apply(partition);
        }
    }

    private Fake fake(String feature, Set<String> requires, HvCpuidBits bits) {
        return new Fake(feature, requires, bits, ep -> Optional.of(() -> {
            // Memory must still be there: the instance may have guest pages to leave in order.
            events.add("close " + feature + " memory=" + ep.memory().readU32(0x9F000));
        }));
    }

    @Test
    void bitsComposeInRequirementOrderAndFailuresAreLeftOutWithTheirBits() throws Exception {
        PartitionManagerImpl pm = new PartitionManagerImpl(new LinuxGuestPack());
        pm.register("emulator", 50, new EmulatorBackend());
        pm.register(fake("z-needs-a", Set.of("a-base"), new HvCpuidBits(0, 0, 1 << 10, 1 << 5, 0)));
        pm.register(fake("a-base", Set.of(), new HvCpuidBits(1 << 3, 0, 0, 0, 1 << 15)));
        pm.register(new Fake("b-throws", Set.of(), new HvCpuidBits(1 << 1, 0, 0, 0, 0), ep -> {
            throw new IllegalStateException("broken");
        }));
        pm.register(new Fake("c-declines", Set.of(), new HvCpuidBits(1 << 9, 0, 0, 0, 0), ep -> Optional.empty()));
        pm.register(fake("d-orphan", Set.of("missing"), new HvCpuidBits(1 << 11, 0, 1 << 8, 0, 0)));

        Partition p = pm.create(new PartitionConfig("composed", 1, 32L << 20, "emulator"));
        assertEquals(List.of("a-base", "z-needs-a"), new HyperVService().of(p).orElseThrow().enlightenments());
        p.addDevice(new PartitionDevice() {
            @Override
            public String name() {
                return "a device attached after creation";
            }

            @Override
            public void close() {
                events.add("close device");
            }
        });
        HyperVMicroGuestTest.Console con = new HyperVMicroGuestTest.Console();
        dev.celadon.device.serial.Uart16550.attach(p, dev.celadon.device.serial.Uart16550.COM1_BASE,
                p.interrupts().line(dev.celadon.device.serial.Uart16550.COM1_IRQ), con);
        var img = new dev.celadon.loader.internal.KernelLoader().load(p.memory(),
                dev.celadon.loader.BootRequest.of(dev.celadon.guest.micro.MicroGuests.image("hvenl"), null, "part=0"));
        p.memory().writeU32(0x9F000, 0x5a5a); // a page the guest leaves alone
        p.start(img.bootState());
        con.await("hvenl done", p);
        p.stop();

        String[] f = con.value("features").split(" ");
        int features = Integer.parseUnsignedInt(f[0], 16);
        int misc = Integer.parseUnsignedInt(f[2].substring("misc=".length()), 16);
        assertEquals(0x8064 & ~(1 << 15) | 1 << 3, features, "profile + a-base's bit 3, its withdrawn 15; nothing of b, c, d");
        assertEquals(1 << 10, misc, "z-needs-a's EDX bit; not d-orphan's");
        assertEquals(Integer.toHexString(0x200 | 1 << 5), con.value("recommendations"));
        assertTrue(events.get(0).equals("close device"), events.toString());
        assertEquals(List.of("close device", "close z-needs-a memory=23130", "close a-base memory=23130"), events,
                "devices first, then instances in reverse attach order, memory still mapped");
    }
}
