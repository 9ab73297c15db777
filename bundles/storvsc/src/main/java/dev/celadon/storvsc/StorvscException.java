package dev.celadon.storvsc;

import java.io.IOException;

/** The host broke the protocol or refused a step: a bad or missing reply, a non-zero status. */
public class StorvscException extends IOException {
    public StorvscException(String message) {
        super(message);
    }
}
