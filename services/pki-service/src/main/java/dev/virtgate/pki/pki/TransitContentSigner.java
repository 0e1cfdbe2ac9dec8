package dev.virtgate.pki.pki;

import dev.virtgate.pki.config.CaKeyType;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.DefaultSignatureAlgorithmIdentifierFinder;

import java.io.OutputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * A BouncyCastle {@link ContentSigner} whose private key is a Transit key version: the TBS bytes
 * are hashed here (SHA-256) and only the digest is sent to Transit (prehashed, ASN.1 signature).
 */
public class TransitContentSigner implements ContentSigner {
    private final AlgorithmIdentifier algorithm;
    private final CaSigner signer;
    private final int keyVersion;
    private final MessageDigest digest;

    public TransitContentSigner(CaKeyType keyType, int keyVersion, CaSigner signer) {
        this.algorithm = new DefaultSignatureAlgorithmIdentifierFinder().find(keyType.signatureAlgorithm());
        this.signer = signer;
        this.keyVersion = keyVersion;
        try {
            this.digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public AlgorithmIdentifier getAlgorithmIdentifier() {
        return algorithm;
    }

    @Override
    public OutputStream getOutputStream() {
        return new DigestOutputStream(OutputStream.nullOutputStream(), digest);
    }

    @Override
    public byte[] getSignature() {
        return signer.sign(keyVersion, digest.digest());
    }
}
