package dev.celadon.ic;

import java.time.Instant;

/**
 * What the heartbeat service of a VM has seen.
 *
 * @param service  the channel's status
 * @param sequence the sequence number of the last answer (the guest's increment of the host's)
 * @param answers  good answers this run
 * @param lastSeen when the last good answer arrived, null if none yet
 * @param alive    whether an answer arrived within the last few heartbeat intervals
 */
public record HeartbeatStatus(ServiceStatus service, long sequence, long answers, Instant lastSeen, boolean alive) {
}
