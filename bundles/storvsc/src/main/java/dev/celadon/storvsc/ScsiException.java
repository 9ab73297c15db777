package dev.celadon.storvsc;

import dev.celadon.storage.Sense;

/** A SCSI command the host completed with an error; {@link #completion()} has the statuses and sense. */
public final class ScsiException extends StorvscException {
    private final transient ScsiCompletion completion;

    public ScsiException(String command, ScsiCompletion completion) {
        super(command + ": " + completion);
        this.completion = completion;
    }

    public ScsiCompletion completion() {
        return completion;
    }

    /** The sense data, or null if the host sent none. */
    public Sense sense() {
        return completion.sense();
    }
}
