package dev.celadon.loader;

import dev.celadon.hypervisor.api.HypervisorException;

/** A kernel image or boot request the loader refuses; the message names what was wrong with it. */
public class LoaderException extends HypervisorException {
    private static final long serialVersionUID = 1L;

    public LoaderException(String message) {
        super(message);
    }

    public LoaderException(String message, Throwable cause) {
        super(message, cause);
    }
}
