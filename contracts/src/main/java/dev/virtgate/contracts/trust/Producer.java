package dev.virtgate.contracts.trust;

import java.util.Objects;

/**
 * Who signed an event, as proven by the signature: a control-plane service (its signer certificate
 * carries {@code urn:virtgate:service:<name>}), a host agent (its host certificate carries
 * {@code urn:virtgate:host:<hostId>}), or a host that is enrolling (no certificate yet; the key of
 * its CSR signed the event).
 */
public record Producer(Kind kind, String name) {
    public static final String SERVICE_URN = "urn:virtgate:service:";
    public static final String HOST_URN = "urn:virtgate:host:";

    public enum Kind {
        SERVICE, HOST, ENROLLING_HOST
    }

    public Producer {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(name, "name");
    }

    public static Producer service(String name) {
        return new Producer(Kind.SERVICE, name);
    }

    public static Producer host(String hostId) {
        return new Producer(Kind.HOST, hostId);
    }

    public static Producer enrollingHost(String hostId) {
        return new Producer(Kind.ENROLLING_HOST, hostId);
    }

    /** The URI SAN that names this producer in its certificate. */
    public String uri() {
        return switch (kind) {
            case SERVICE -> SERVICE_URN + name;
            case HOST, ENROLLING_HOST -> HOST_URN + name;
        };
    }

    @Override
    public String toString() {
        return kind.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-') + ":" + name;
    }
}
