package dev.virtgate.contracts.trust;

/**
 * Where the trust the services verify against lives in OpenBao (KV v2, mount {@code secret}):
 * pki-service publishes the CA bundle, the current CRL and a signer certificate for each
 * service's event-signing Transit key; every service reads them. Public data kept in the secret
 * store because the store, not the bus, is the root of trust.
 */
public final class TrustStorePaths {
    /** Fields {@value #BUNDLE_PEM} (the trusted CA certificates, PEM, concatenated) and {@value #CRL_PEM}. */
    public static final String CA = "virtgate/trust/ca";
    public static final String BUNDLE_PEM = "bundlePem";
    public static final String CRL_PEM = "crlPem";
    /** Fields of a signer entry: the Transit key version certified and the chain, leaf first, PEM. */
    public static final String KEY_VERSION = "keyVersion";
    public static final String CHAIN_PEM = "chainPem";

    public static String signer(String service) {
        return "virtgate/trust/signers/" + service;
    }

    /** The non-exportable ecdsa-p256 Transit key a service signs its events with. */
    public static String transitKey(String service) {
        return "virtgate-events-" + service;
    }

    private TrustStorePaths() {
    }
}
