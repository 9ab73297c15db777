package dev.celadon.kvm.internal;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import dev.celadon.hypervisor.api.BackendInfo;
import dev.celadon.hypervisor.api.BackendKind;
import dev.celadon.hypervisor.api.HypervisorException;
import dev.celadon.hypervisor.api.PartitionLimits;
import dev.celadon.hypervisor.api.PartitionConfig;
import dev.celadon.hypervisor.api.backend.BackendPartition;
import dev.celadon.hypervisor.api.backend.ExitHandler;
import dev.celadon.hypervisor.api.backend.HypervisorBackend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Partitions on Linux KVM. The system descriptor is opened once, lazily; if it cannot be, the backend says
 * why in its capabilities and every partition request fails with that reason.
 */
@Component(service = HypervisorBackend.class, property = {HypervisorBackend.NAME_PROPERTY + "=kvm",
        HypervisorBackend.PREFERENCE_PROPERTY + ":Integer=10"})
public final class KvmBackend implements HypervisorBackend {

    private static final Logger LOG = LoggerFactory.getLogger(KvmBackend.class);
    /** 1 TiB: beyond any host we run on; MAP_NORESERVE means only what the guest touches is paid for. */
    static final long MAX_MEMORY = 1L << 40;
    /** xAPIC IDs and our MADT use 8 bits. */
    static final int MAX_VPS = 255;

    private final Path device;
    private int kvmFd = -1;
    private String unavailable;
    private BackendInfo capabilities;
    private CpuModel cpuModel;

    @Activate
    public KvmBackend() {
        this(Path.of("/dev/kvm"));
    }

    public KvmBackend(Path device) {
        this.device = device;
    }

    private synchronized void open() {
        if (capabilities != null) {
            return;
        }
        Map<String, String> details = new LinkedHashMap<>();
        details.put("device", device.toString());
        try {
            kvmFd = LibC.open(device.toString(), LibC.O_RDWR | LibC.O_CLOEXEC);
            int api = LibC.ioctl(kvmFd, KvmIoctl.GET_API_VERSION, 0L);
            if (api != 12) {
                throw new HypervisorException("KVM API version " + api + " (expected 12)");
            }
            details.put("api-version", Integer.toString(api));
            int max = LibC.ioctl(kvmFd, KvmIoctl.CHECK_EXTENSION, (long) KvmIoctl.CAP_MAX_VCPUS);
            if (max <= 0) {
                max = LibC.ioctl(kvmFd, KvmIoctl.CHECK_EXTENSION, (long) KvmIoctl.CAP_NR_VCPUS);
            }
            cpuModel = new CpuModel(supportedCpuid());
            // Only now that /dev/kvm answered is the kind a fact rather than a guess.
            details.putAll(virtualizationInfo());
            boolean hardware = "hardware-assisted".equals(details.get("virtualization"));
            capabilities = BackendInfo.available("kvm", hardware ? BackendKind.HARDWARE_KVM
                    : BackendKind.SOFTWARE_NESTED_KVM, new PartitionLimits(Math.min(MAX_VPS, Math.max(1, max)),
                    MAX_MEMORY), details);
            if (!hardware) {
                LOG.warn("KVM at {} is software-nested ({}): micro-guests run at native speed, but an unmodified "
                        + "Linux kernel runs through KVM's instruction emulator, hundreds of times slower", device,
                        details.get("module"));
            }
        } catch (LastErrorException e) {
            unavailable = "cannot open " + device + ": " + LibC.describe(e);
        } catch (HypervisorException e) {
            unavailable = device + ": " + e.getMessage();
        }
        if (unavailable != null) {
            if (kvmFd >= 0) {
                LibC.close(kvmFd);
                kvmFd = -1;
            }
            LOG.info("KVM backend unavailable: {}", unavailable);
            capabilities = BackendInfo.unavailable("kvm", unavailable, details);
        }
    }

    /** What kind of KVM this host has, from the loaded module. */
    Map<String, String> virtualizationInfo() {
        Map<String, String> m = new LinkedHashMap<>();
        if (Files.exists(Path.of("/sys/module/kvm_pvm"))) {
            m.put("virtualization", "software-nested");
            m.put("module", "kvm_pvm");
            m.put("nesting", "software (kvm_pvm): unmodified Linux kernels run through KVM's instruction emulator");
        } else {
            m.put("virtualization", "hardware-assisted");
            m.put("module", Files.exists(Path.of("/sys/module/kvm_amd")) ? "kvm_amd"
                    : Files.exists(Path.of("/sys/module/kvm_intel")) ? "kvm_intel" : "kvm");
        }
        return m;
    }

    private List<CpuModel.Entry> supportedCpuid() {
        for (int n = 128; ; n *= 2) {
            Memory m = new Memory(8 + 40L * n);
            m.clear();
            m.setInt(0, n);
            try {
                LibC.ioctl(kvmFd, KvmIoctl.GET_SUPPORTED_CPUID, m);
            } catch (LastErrorException e) {
                if (e.getErrorCode() == 7 && n < 4096) { // E2BIG
                    continue;
                }
                throw e;
            }
            int count = m.getInt(0);
            List<CpuModel.Entry> out = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                long o = 8 + 40L * i;
                out.add(new CpuModel.Entry(m.getInt(o), m.getInt(o + 4), m.getInt(o + 8), m.getInt(o + 12),
                        m.getInt(o + 16), m.getInt(o + 20), m.getInt(o + 24)));
            }
            return out;
        }
    }

    CpuModel cpuModel() {
        return cpuModel;
    }

    @Override
    public BackendInfo capabilities() {
        open();
        return capabilities;
    }

    @Override
    public BackendPartition createPartition(PartitionConfig config, ExitHandler exits) {
        BackendInfo caps = capabilities();
        if (!caps.available()) {
            throw new HypervisorException("KVM is not available: " + caps.unavailableReason());
        }
        caps.limits().check("kvm", config.vpCount(), config.memoryBytes()); // also when used without the core
        return new KvmPartition(this, kvmFd, config, exits, cpuModel);
    }

    @Deactivate
    public synchronized void deactivate() {
        if (kvmFd >= 0) {
            LibC.close(kvmFd);
            kvmFd = -1;
        }
    }
}
