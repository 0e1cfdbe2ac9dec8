package dev.virtgate.pki.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** Typed settings of the certificate authority ({@code virtgate.pki.*}). */
@ConfigMapping(prefix = "virtgate.pki")
public interface PkiConfig {

    /** Mount path of the Transit engine that holds the CA key. */
    @WithDefault("transit")
    String transitMount();

    /** Name of the non-exportable Transit key that signs everything this CA signs. */
    @WithDefault("virtgate-ca")
    String keyName();

    @WithDefault("ecdsa-p256")
    CaKeyType keyType();

    /** ROOT: self-signed CA. INTERMEDIATE: a CSR is exported, an operator signs it offline and imports it. */
    @WithDefault("root")
    CaMode mode();

    /** Subject of the CA certificate, RFC 4514 form. */
    @WithDefault("CN=virtgate CA,O=virtgate")
    String caSubject();

    @WithDefault("P3650D")
    Duration caValidity();

    @WithDefault("P30D")
    Duration leafValidity();

    /** Life of an API client certificate when the request names none. */
    @WithDefault("P7D")
    Duration clientCertValidity();

    /** Longest life an API client certificate may be given: they are not renewed, only re-requested. */
    @WithDefault("P30D")
    Duration clientCertMaxValidity();

    /** Life of a service's event-signer certificate; it is re-issued once a third of it is left. */
    @WithDefault("P30D")
    Duration signerValidity();

    /**
     * How often the published trust in OpenBao KV is checked: the CA bundle and CRL, and each service's
     * signer certificate (a Transit key rotation is picked up here). Changes of the CA or CRL are
     * published right after they commit as well.
     */
    @WithDefault("60s")
    String trustPublishInterval();

    /** Life of each CRL; it is re-signed {@link #crlRefreshMargin()} before its nextUpdate. */
    @WithDefault("P1D")
    Duration crlValidity();

    @WithDefault("PT6H")
    Duration crlRefreshMargin();

    /** A rotated-out CA stays in the bundle at least this long, and until no live leaf depends on it. */
    @WithDefault("PT1H")
    Duration rotationMinOverlap();

    /** How often renewal, CRL refresh, CA retirement and the Transit key check run. */
    @WithDefault("30s")
    String maintenanceInterval();

    /** Most digests sent to Transit in one {@code batch_input} sign call. */
    @WithDefault("64")
    int signBatchSize();

    /**
     * How long an event consumer keeps retrying while OpenBao Transit is unreachable before it parks
     * the event on the dead-letter topic. Meanwhile the partition waits: per-host order is kept.
     */
    @WithDefault("PT10M")
    java.time.Duration eventRetryFor();

    /**
     * How long an agent's HostEnrolled waits for the host's HostRegistered, which travels on another
     * topic ({@code virtgate.hosts}) and may be read a moment later; after that it is refused.
     */
    @WithDefault("PT15S")
    java.time.Duration registrationGrace();

    /** Retry-After sent with 503 while OpenBao is unreachable. */
    @WithDefault("5")
    int retryAfterSeconds();

    enum CaMode { ROOT, INTERMEDIATE }
}
