package dev.celadon.licensing.internal;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;

import dev.celadon.licensing.Grant;
import dev.celadon.licensing.Licence;
import dev.celadon.licensing.LicenceException;
import dev.celadon.licensing.LicenceService;
import dev.celadon.licensing.LicenceState;
import dev.celadon.licensing.LicenceStatus;

/**
 * The licence service: checks every licence file against the trust anchors, the clock and this host, and keeps
 * one {@code LicenceGrant} service registered per grant of each valid licence. It re-checks on activation, on
 * every call, and every {@code recheck.seconds} (60 by default), so an expired licence, a licence file removed by
 * hand or a withdrawn trust anchor takes its grants away within that period.
 *
 * <p>Configuration (PID {@code dev.celadon.licensing}), each falling back to a framework property, then a
 * default: {@code trust.dir} ({@code celadon.licensing.trust.dir}, else {@code ${karaf.etc}/celadon/trust}),
 * {@code licence.dir} ({@code celadon.licensing.licence.dir}, else {@code ${karaf.data}/celadon/licences}),
 * {@code recheck.seconds} ({@code celadon.licensing.recheck.seconds}), {@code machine.id.file}
 * ({@code celadon.licensing.machine.id.file}, else {@code /etc/machine-id}).
 */
@Component(service = LicenceService.class, immediate = true, configurationPid = "dev.celadon.licensing",
        configurationPolicy = ConfigurationPolicy.OPTIONAL)
public final class LicenceManager implements LicenceService {
    private static final System.Logger LOG = System.getLogger(LicenceManager.class.getName());

    /** Component properties; empty or zero means "not set here". */
    public @interface Config {
        String trust_dir() default "";

        String licence_dir() default "";

        long recheck_seconds() default 0;

        String machine_id_file() default "";
    }

    private final Path trustDir;
    private final LicenceDirectory licences;
    private final Path machineIdFile;
    private final Clock clock = Clock.systemUTC();
    private final GrantRegistry grants;
    private final ScheduledExecutorService scheduler;

    @Activate
    public LicenceManager(BundleContext context, Config config) {
        this.trustDir = Path.of(setting(context, config.trust_dir(), "trust.dir", "karaf.etc", "etc", "celadon/trust"));
        this.licences = new LicenceDirectory(
                Path.of(setting(context, config.licence_dir(), "licence.dir", "karaf.data", "data", "celadon/licences")));
        String machineId = config.machine_id_file().isEmpty() ? context.getProperty("celadon.licensing.machine.id.file")
                : config.machine_id_file();
        this.machineIdFile = machineId == null || machineId.isEmpty() ? HostId.DEFAULT_MACHINE_ID : Path.of(machineId);
        long period = config.recheck_seconds();
        if (period <= 0) {
            String p = context.getProperty("celadon.licensing.recheck.seconds");
            period = p == null ? 60 : Long.parseLong(p.strip());
        }
        this.grants = new GrantRegistry(context);
        recheck();
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "celadon-licence-recheck");
            t.setDaemon(true);
            return t;
        });
        scheduler.scheduleWithFixedDelay(this::recheckQuietly, period, period, TimeUnit.SECONDS);
        LOG.log(Level.INFO, "licences in " + licences.path() + ", trust anchors in " + trustDir + ", re-checked every "
                + period + " s; " + grants.active().size() + " grant(s) registered");
    }

    private static String setting(BundleContext context, String configured, String key, String baseProperty,
                                  String baseDefault, String under) {
        if (!configured.isEmpty()) {
            return configured;
        }
        String property = context.getProperty("celadon.licensing." + key);
        if (property != null && !property.isEmpty()) {
            return property;
        }
        String base = context.getProperty(baseProperty);
        return Path.of(base == null ? baseDefault : base).resolve(under).toString();
    }

    @Deactivate
    void deactivate() {
        scheduler.shutdownNow();
        try {
            scheduler.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        grants.close();
    }

    private void recheckQuietly() {
        try {
            recheck();
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "licence re-check failed", e);
        }
    }

    /** Checks every file and brings the grant services in line; returns what it found. */
    synchronized List<LicenceStatus> recheck() {
        TrustAnchors trust = TrustAnchors.load(trustDir);
        Optional<String> host = hostIdIfAny();
        List<LicenceStatus> out = new ArrayList<>();
        Set<GrantService> wanted = new HashSet<>();
        for (Path file : licences.files()) {
            LicenceStatus status = check(file, trust, host);
            out.add(status);
            if (status.valid()) {
                Licence l = status.licence().orElseThrow();
                for (Grant g : l.grants()) {
                    wanted.add(GrantService.of(l, g));
                }
            }
        }
        Set<GrantService> before = grants.active();
        grants.reconcile(wanted);
        if (!before.equals(wanted)) {
            LOG.log(Level.INFO, "licence grants now: " + wanted.stream().map(g -> g.licenceId() + ":" + g.grant()).sorted().toList());
        }
        out.sort((a, b) -> a.id().compareTo(b.id()));
        return out;
    }

    private LicenceStatus check(Path file, TrustAnchors trust, Optional<String> host) {
        byte[] bytes;
        try {
            bytes = LicenceDirectory.read(file);
        } catch (IOException e) {
            return new LicenceStatus(LicenceDirectory.stem(file), file, LicenceState.MALFORMED,
                    "malformed: cannot read the file: " + e, Optional.empty());
        }
        LicenceVerifier.Result r = LicenceVerifier.check(bytes, trust, clock.instant(), host);
        String id = r.licence().map(Licence::id).orElse(LicenceDirectory.stem(file));
        return new LicenceStatus(id, file, r.state(), r.reason(), r.licence());
    }

    private Optional<String> hostIdIfAny() {
        try {
            return Optional.of(HostId.of(machineIdFile));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    @Override
    public List<LicenceStatus> list() {
        return recheck();
    }

    @Override
    public Optional<LicenceStatus> show(String id) {
        return recheck().stream().filter(s -> s.id().equals(id)).findFirst();
    }

    @Override
    public synchronized LicenceStatus install(Path file) throws LicenceException {
        byte[] bytes;
        try {
            bytes = LicenceDirectory.read(file);
        } catch (IOException e) {
            throw new LicenceException("cannot read " + file + ": " + e.getMessage(), e);
        }
        LicenceVerifier.Result r = LicenceVerifier.check(bytes, TrustAnchors.load(trustDir), clock.instant(), hostIdIfAny());
        // A licence that only starts later is accepted (a renewal installed ahead); anything else is refused.
        if (r.state() != LicenceState.VALID && r.state() != LicenceState.NOT_YET_VALID) {
            throw new LicenceException(r.state(), file + ": " + r.reason());
        }
        String id = r.licence().orElseThrow().id();
        // Another file (dropped in by hand) may carry the same id; the installed one replaces it.
        for (LicenceStatus s : recheck()) {
            if (s.id().equals(id) && !s.file().getFileName().toString().equals(id + LicenceDirectory.SUFFIX)) {
                deleteQuietly(s.file());
            }
        }
        try {
            licences.install(id, bytes);
        } catch (IOException e) {
            throw new LicenceException("cannot install " + id + " into " + licences.path() + ": " + e.getMessage(), e);
        }
        return recheck().stream().filter(s -> s.id().equals(id)).findFirst()
                .orElseThrow(() -> new LicenceException("installed " + id + " but it is not listed", null));
    }

    @Override
    public synchronized void remove(String id) throws LicenceException {
        List<LicenceStatus> matching = recheck().stream().filter(s -> s.id().equals(id)).toList();
        if (matching.isEmpty()) {
            throw new LicenceException(null, "no licence with id " + id);
        }
        for (LicenceStatus s : matching) {
            try {
                Files.delete(s.file());
            } catch (IOException e) {
                throw new LicenceException("cannot delete " + s.file() + ": " + e.getMessage(), e);
            }
        }
        recheck();
    }

    @Override
    public String hostId() {
        return hostIdIfAny().orElse("none (" + machineIdFile + " is missing or unreadable)");
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "cannot delete " + p + ": " + e);
        }
    }
}
