package dev.virtgate.pki.pki;

import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;

/** Signature verifiers backed by BouncyCastle, which resolves key algorithms by OID (the JDK does not). */
public final class Verifiers {
    private static final BouncyCastleProvider PROVIDER = new BouncyCastleProvider();

    public static JcaContentVerifierProviderBuilder builder() {
        return new JcaContentVerifierProviderBuilder().setProvider(PROVIDER);
    }

    private Verifiers() {
    }
}
