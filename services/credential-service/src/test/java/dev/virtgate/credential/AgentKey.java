package dev.virtgate.credential;

import dev.virtgate.credential.pki.HostKeys;
import dev.virtgate.testsupport.trust.TestCsr;
import dev.virtgate.testsupport.trust.TestKeys;

import javax.crypto.Cipher;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.util.Base64;

/** What a host agent does locally: an EC P-256 key, its CSR, and ECIES decryption. */
public final class AgentKey {
    public final KeyPair keys = TestKeys.p256();
    public final String pem;

    public AgentKey(String fqdn, String clusterId) {
        pem = TestCsr.forKey(keys).subject("CN=" + fqdn + ",OU=" + clusterId + ",O=virtgate").pem();
    }

    public String decrypt(String base64) {
        try {
            Cipher cipher = Cipher.getInstance("ECIES", HostKeys.provider());
            cipher.init(Cipher.DECRYPT_MODE, keys.getPrivate());
            return new String(cipher.doFinal(Base64.getDecoder().decode(base64)), StandardCharsets.US_ASCII);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
