package dev.virtgate.e2e;

import dev.virtgate.testsupport.trust.TestCa;
import dev.virtgate.testsupport.trust.TestKeys;

import javax.security.auth.x500.X500Principal;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;

/** PEM files for an HTTPS listener on 127.0.0.1: a throw-away CA and a server certificate naming the address. */
final class TlsMaterial {

    /** Writes ca.pem, server.pem and server-key.pem (PKCS#8) into {@code dir}. */
    static void writeServer(Path dir) throws IOException {
        TestCa ca = new TestCa(new X500Principal("CN=cli test server CA"));
        KeyPair serverKey = TestKeys.p256();
        X509Certificate server = ca.leaf(serverKey.getPublic()).subject("CN=127.0.0.1").ips("127.0.0.1").issue();
        Files.writeString(dir.resolve("ca.pem"), ca.pem());
        Files.writeString(dir.resolve("server.pem"), TestCa.pem(server));
        Files.writeString(dir.resolve("server-key.pem"), TestKeys.pkcs8Pem(serverKey.getPrivate()));
    }

    private TlsMaterial() {
    }
}
