package dev.celadon.guest.loopback;

import dev.celadon.loopback.LoopbackGuest;
import dev.celadon.loopback.LoopbackVp;
import dev.celadon.loopback.VpStoppedException;
import dev.celadon.storage.vstor.StorvscGuids;
import dev.celadon.storvsc.StorageVsc;
import dev.celadon.storvsc.VscChannel;
import dev.celadon.vmbus.ChannelMessage;
import dev.celadon.vmbus.ChannelMessage.OfferChannel;
import dev.celadon.vmbus.ChannelMessage.RescindChannelOffer;
import dev.celadon.vmbus.VmPacket;
import dev.celadon.vmbus.client.GuestChannel;
import dev.celadon.vmbus.client.VmbusGuest;
import dev.celadon.vmbus.client.VmbusGuestException;
import dev.celadon.vmbus.VmbusVersion;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A loopback guest that does storage I/O over VMBus as Linux's storvsc would: on VP 0 it enables the Hyper-V
 * interface and the SynIC, connects to VMBus (Linux 6.1's version proposals), and opens every synthetic SCSI
 * controller offered (rings of 32 pages each way, Linux's storvsc ring size). Each open is a session, numbered
 * 1, 2, ... over the program's life: it initialises storvsc, reads LUN 0's capacity and writes one marker block
 * at LBA {@code session - 1} ({@link #marker}), then reads it back and compares. Every {@code period} it reads each
 * open session's marker again and compares. A RESCINDCHANNELOFFER ends that session (CLOSECHANNEL is not needed
 * after a rescind; the ring pages are freed and RELID_RELEASED sent, as vmbus_onoffer_rescind leads to); a new
 * offer (hot add) opens a new session. Other VPs idle until the partition stops.
 *
 * <p>What it did is kept for operators ({@link #status()}, {@code loopback:status}); a failed I/O is counted and
 * logged, never thrown: a guest does not end because a disk went away.
 */
public final class StorageIoProgram implements LoopbackGuest {
    public static final String NAME = "storage-io";
    /** Linux's storvsc ring: 128 KiB each way (header page included). */
    static final int RING_PAGES = 32;
    /** 64 KiB of I/O buffer per session. */
    static final int BUFFER_PAGES = 16;
    private static final int MAX_LOG = 200;

    private final Duration period;
    private final Deque<String> log = new ArrayDeque<>();
    private int vmbusVersion;
    private int sessions;
    private int open;
    private long writes;
    private long reads;
    private long rescinds;
    private long offers;
    private long errors;
    /** Sessions whose LUN the host took off the bus (about to be rescinded). Used by the program's thread only. */
    private final java.util.Set<Integer> lunGone = new java.util.HashSet<>();
    private boolean running;

    /** What the program did so far. */
    public record Status(boolean running, String vmbusVersion, int sessions, int openSessions, long offers,
                         long writes, long reads, long rescinds, long errors, List<String> log) {
    }

    public StorageIoProgram(Duration period) {
        if (period.isNegative() || period.isZero()) {
            throw new IllegalArgumentException("the I/O period must be positive");
        }
        this.period = period;
    }

    public StorageIoProgram() {
        this(Duration.ofMillis(200));
    }

    /** The marker block of {@code session}: its text, then a pattern of the session number, {@code blockSize} bytes. */
    public static byte[] marker(int session, int blockSize) {
        byte[] b = new byte[blockSize];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (session * 31 + i);
        }
        byte[] text = markerText(session).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(text, 0, b, 0, Math.min(text.length, b.length));
        return b;
    }

    /** {@code CELADON-LOOPBACK-IO session N.} (N in four digits): the start of session N's marker block. */
    public static String markerText(int session) {
        return String.format("CELADON-LOOPBACK-IO session %04d.", session);
    }

    public synchronized Status status() {
        return new Status(running, vmbusVersion == 0 ? "not connected" : VmbusVersion.toString(vmbusVersion),
                sessions, open, offers, writes, reads, rescinds, errors, List.copyOf(log));
    }

    private synchronized void note(String line) {
        if (log.size() == MAX_LOG) {
            log.removeFirst();
        }
        log.addLast(Instant.now() + " " + line);
    }

    private synchronized void count(Runnable r) {
        r.run();
    }

    @Override
    public void run(LoopbackVp vp) throws Exception {
        if (vp.index() != 0) {
            idle(vp);
            return;
        }
        count(() -> running = true);
        try {
            guest(vp);
        } catch (VpStoppedException | InterruptedException e) {
            // the partition is stopping
        } finally {
            count(() -> {
                running = false;
                open = 0;
            });
            note("partition stopping: program ended");
        }
    }

    private static void idle(LoopbackVp vp) {
        try {
            while (!vp.stopRequested()) {
                if (vp.awaitInterrupt(Duration.ofSeconds(1)) >= 0) {
                    vp.eoi();
                }
            }
        } catch (VpStoppedException e) {
            // stopped
        }
    }

    /** One open synthetic SCSI controller. */
    private record Session(int number, OfferChannel offer, GuestChannel channel, StorageVsc vsc, long[] buffer,
                           long lba, int blockSize) {
    }

    private void guest(LoopbackVp vp) throws InterruptedException {
        VmbusGuest g = VmbusGuest.start(vp);
        int v = g.connect();
        if (v == 0) {
            note("VMBus: the host accepted none of Linux 6.1's versions");
            count(() -> errors++);
            idle(vp);
            return;
        }
        count(() -> vmbusVersion = v);
        List<OfferChannel> pending = new ArrayList<>();
        for (OfferChannel o : g.requestOffers()) {
            offered(o, pending);
        }
        note("VMBus " + VmbusVersion.toString(v) + " connected; " + pending.size() + " storage offer(s)");
        Map<Integer, Session> sessionsByRelid = new LinkedHashMap<>();
        while (!vp.stopRequested()) {
            for (OfferChannel o : pending) {
                Session s = openSession(g, o);
                if (s != null) {
                    sessionsByRelid.put(o.childRelid(), s);
                }
            }
            pending.clear();
            for (Session s : new ArrayList<>(sessionsByRelid.values())) {
                check(s);
            }
            // The control messages that came meanwhile (during I/O they wait in the inbox), then the period.
            long deadline = System.nanoTime() + period.toNanos();
            ChannelMessage m;
            while ((m = g.next(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())))) != null) {
                if (m instanceof OfferChannel o) {
                    offered(o, pending);
                } else if (m instanceof RescindChannelOffer r) {
                    rescinded(g, r.childRelid(), sessionsByRelid.remove(r.childRelid()));
                } else {
                    note("VMBus: ignored " + m.type());
                }
                if (System.nanoTime() >= deadline) {
                    break;
                }
            }
        }
    }

    private void offered(OfferChannel o, List<OfferChannel> pending) {
        if (!StorvscGuids.SCSI.equals(o.interfaceType())) {
            note("offer relid " + o.childRelid() + ": interface " + o.interfaceType() + " is not storage, left alone");
            return;
        }
        count(() -> offers++);
        note("offer relid " + o.childRelid() + ": synthetic SCSI controller " + o.interfaceInstance());
        pending.add(o);
    }

    private Session openSession(VmbusGuest g, OfferChannel o) throws InterruptedException {
        GuestChannel ch;
        try {
            ch = g.open(o, RING_PAGES, RING_PAGES);
        } catch (VmbusGuestException e) {
            failed("relid " + o.childRelid() + ": open refused: " + e.getMessage());
            return null;
        }
        long[] buffer = g.pages().allocate(BUFFER_PAGES);
        StorageVsc vsc = new StorageVsc(new Vsc(ch), g.hv().memory(), buffer);
        vsc.timeoutMillis(3000);
        int number;
        synchronized (this) {
            number = ++sessions;
        }
        try {
            int version = vsc.initialize();
            StorageVsc.Capacity cap = vsc.readCapacity16(0);
            long lba = number - 1;
            if (lba >= cap.blocks()) {
                failed("session " + number + ": the disk has only " + cap.blocks() + " blocks; no marker written");
                return new Session(number, o, ch, vsc, buffer, -1, cap.blockSize());
            }
            vsc.write(0, lba, marker(number, cap.blockSize()), cap.blockSize());
            count(() -> writes++);
            vsc.synchronizeCache(0);
            Session s = new Session(number, o, ch, vsc, buffer, lba, cap.blockSize());
            boolean same = readBack(s);
            count(() -> open++);
            note(String.format("session %d: relid %d open, storvsc %d.%d, LUN 0 %d blocks of %d; marker written at "
                    + "LBA %d, read back %s", number, o.childRelid(), version >>> 8, version & 0xFF, cap.blocks(),
                    cap.blockSize(), lba, same ? "equal" : "DIFFERENT"));
            return s;
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            failed("session " + number + " (relid " + o.childRelid() + "): " + e.getMessage());
            return null; // a later rescind of this relid frees nothing of ours: the channel pages stay allocated
        }
    }

    private boolean readBack(Session s) throws Exception {
        byte[] got = s.vsc.read(0, s.lba, 1, s.blockSize);
        count(() -> reads++);
        return Arrays.equals(got, marker(s.number, s.blockSize));
    }

    private void check(Session s) throws InterruptedException {
        if (s.lba < 0 || lunGone.contains(s.number)) {
            return;
        }
        try {
            if (!readBack(s)) {
                failed("session " + s.number + ": marker at LBA " + s.lba + " read back different");
            }
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            if (String.valueOf(e.getMessage()).contains("asc 0x25 ")) {
                // LOGICAL UNIT NOT SUPPORTED: the host took the LUN off the bus before rescinding the controller
                // (as Linux's storvsc sees it, the disk is removed); stop using it, as Linux does.
                lunGone.add(s.number);
                note("session " + s.number + ": LUN 0 removed by the host (" + e.getMessage() + "); no more reads");
                return;
            }
            // A rescind in flight: the host stopped answering; the RESCINDCHANNELOFFER is in the inbox.
            failed("session " + s.number + ": read of LBA " + s.lba + ": " + e.getMessage());
        }
    }

    private void rescinded(VmbusGuest g, int relid, Session s) {
        count(() -> rescinds++);
        if (s != null) {
            count(() -> open--);
            // After a rescind the host has dropped the channel's GPADLs itself: the pages are simply ours again.
            g.pages().free(s.channel.pfns());
            g.pages().free(s.buffer);
        }
        g.releaseRelid(relid);
        note("relid " + relid + " rescinded" + (s != null ? " (session " + s.number + " ended)" : "")
                + "; RELID_RELEASED sent");
    }

    private void failed(String what) {
        count(() -> errors++);
        note("error: " + what);
    }

    /** storvsc's view of one open guest channel. */
    private static final class Vsc implements VscChannel {
        private final GuestChannel ch;

        Vsc(GuestChannel ch) {
            this.ch = ch;
        }

        @Override
        public void send(VmPacket packet) {
            if (!ch.send(packet, Duration.ofSeconds(2))) {
                throw new IllegalStateException("no room in relid " + ch.relid() + "'s ring within 2 s");
            }
        }

        @Override
        public VmPacket receive(long timeoutMillis) {
            return ch.receive(Duration.ofMillis(timeoutMillis));
        }
    }
}
