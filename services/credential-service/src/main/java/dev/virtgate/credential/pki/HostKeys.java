package dev.virtgate.credential.pki;

import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;

import javax.crypto.Cipher;
import java.io.IOException;
import java.io.StringReader;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.util.Base64;

/**
 * The host's enrollment key as seen in its CSR, and ECIES encryption to it (BouncyCastle "ECIES":
 * ephemeral ECDH + KDF2 + XOR/HMAC-SHA1). Only the host, holding the private key, can decrypt.
 */
public final class HostKeys {
    private static final BouncyCastleProvider BC = new BouncyCastleProvider();

    /** The CSR's EC public key, after checking the CSR's self-signature (proof of possession). */
    public static ECPublicKey publicKeyOf(String csrPem) {
        try (PEMParser parser = new PEMParser(new StringReader(csrPem))) {
            Object parsed = parser.readObject();
            if (!(parsed instanceof PKCS10CertificationRequest csr)) {
                throw new IllegalArgumentException("not a PKCS#10 certificate request");
            }
            JcaPKCS10CertificationRequest jca = new JcaPKCS10CertificationRequest(csr).setProvider(BC);
            PublicKey key = jca.getPublicKey();
            if (!(key instanceof ECPublicKey ec)) {
                throw new IllegalArgumentException("CSR key is not an EC key");
            }
            if (!csr.isSignatureValid(new JcaContentVerifierProviderBuilder().setProvider(BC).build(key))) {
                throw new IllegalArgumentException("CSR signature does not verify");
            }
            return ec;
        } catch (IOException | GeneralSecurityException | org.bouncycastle.operator.OperatorCreationException
                | org.bouncycastle.pkcs.PKCSException e) {
            throw new IllegalArgumentException("unreadable CSR", e);
        }
    }

    /** ECIES-encrypts to the key; standard base64 as the HostAccessGranted schema expects. */
    public static String encrypt(ECPublicKey key, byte[] plaintext) {
        try {
            Cipher cipher = Cipher.getInstance("ECIES", BC);
            cipher.init(Cipher.ENCRYPT_MODE, key);
            return Base64.getEncoder().encodeToString(cipher.doFinal(plaintext));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("ECIES encryption failed", e);
        }
    }

    public static java.security.Provider provider() {
        return BC;
    }

    private HostKeys() {
    }
}
