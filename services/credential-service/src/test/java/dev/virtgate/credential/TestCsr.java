package dev.virtgate.credential;

import dev.virtgate.credential.pki.HostKeys;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

import javax.crypto.Cipher;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;

/** What a host agent does locally: an EC P-256 key, its CSR, and ECIES decryption. */
public final class TestCsr {
    public final KeyPair keys;
    public final String pem;

    public TestCsr(String fqdn, String clusterId) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            keys = generator.generateKeyPair();
            var csr = new JcaPKCS10CertificationRequestBuilder(
                    new X500Name("CN=" + fqdn + ",OU=" + clusterId + ",O=virtgate"), keys.getPublic())
                    .build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate()));
            StringWriter out = new StringWriter();
            try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
                writer.writeObject(csr);
            }
            pem = out.toString();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
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
