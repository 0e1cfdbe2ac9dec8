package dev.virtgate.agent.pki;

import org.bouncycastle.jce.provider.BouncyCastleProvider;

import javax.crypto.Cipher;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.Base64;

/** BouncyCastle "ECIES" as the credential service uses it to send the wrapping token to this host only. */
public final class Ecies {
    private static final BouncyCastleProvider BC = new BouncyCastleProvider();

    public static String decrypt(PrivateKey key, String base64) {
        try {
            Cipher c = Cipher.getInstance("ECIES", BC);
            c.init(Cipher.DECRYPT_MODE, key);
            return new String(c.doFinal(Base64.getDecoder().decode(base64)), StandardCharsets.UTF_8);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot decrypt the wrapping token with this host's key");
        }
    }

    public static String encrypt(PublicKey key, String plain) {
        try {
            Cipher c = Cipher.getInstance("ECIES", BC);
            c.init(Cipher.ENCRYPT_MODE, key);
            return Base64.getEncoder().encodeToString(c.doFinal(plain.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private Ecies() {
    }
}
