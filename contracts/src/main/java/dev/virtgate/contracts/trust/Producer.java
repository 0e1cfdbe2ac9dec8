package dev.virtgate.contracts.trust;

import java.util.Objects;

/**
 * Who signed an event, as proven by the signature: a control-plane service (its signer certificate
 * carries {@code urn:virtgate:service:<name>}), a host agent (its host certificate carries
 * {@code urn:virtgate:host:<hostId>}), or a host that is enrolling (no certificate yet; the key of
 * its CSR signed the event), or an API client (an operator's tool, an external cloud: its client
 * certificate carries a role {@code urn:virtgate:role:<role>}; named by its subject DN).
 */
public record Producer(Kind kind, String name) {
    public static final String SERVICE_URN = "urn:virtgate:service:";
    public static final String HOST_URN = "urn:virtgate:host:";
    public static final String ROLE_URN = "urn:virtgate:role:";

    public enum Kind {
        SERVICE, HOST, ENROLLING_HOST, API_CLIENT
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

    /** An API client, named by its certificate's subject DN (RFC 2253), as the REST edge names it. */
    public static Producer apiClient(String subjectDn) {
        return new Producer(Kind.API_CLIENT, subjectDn);
    }

    /** The URI SAN that names this producer in its certificate (an API client's names its role, not it). */
    public String uri() {
        return switch (kind) {
            case SERVICE -> SERVICE_URN + name;
            case HOST, ENROLLING_HOST -> HOST_URN + name;
            case API_CLIENT -> throw new IllegalStateException("an API client is named by its subject DN");
        };
    }

    @Override
    public String toString() {
        return kind.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-') + ":" + name;
    }
}
