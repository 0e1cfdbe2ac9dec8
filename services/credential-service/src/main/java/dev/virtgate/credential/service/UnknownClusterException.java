package dev.virtgate.credential.service;

/** No host of this cluster was ever registered. */
public class UnknownClusterException extends RuntimeException {
    public UnknownClusterException(String clusterId) {
        super("unknown cluster " + clusterId);
    }
}
