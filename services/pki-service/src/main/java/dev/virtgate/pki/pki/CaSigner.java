package dev.virtgate.pki.pki;

/**
 * Signs a SHA-256 digest with one version of the CA key. The only implementation talks to OpenBao
 * Transit: this process never holds a CA private key.
 */
public interface CaSigner {

    /** Returns the signature in the form X.509 expects (DER ECDSA-Sig-Value or PKCS#1 v1.5). */
    byte[] sign(int keyVersion, byte[] sha256Digest);
}
