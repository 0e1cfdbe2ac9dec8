package dev.virtgate.testsupport;

import io.smallrye.jwt.build.Jwt;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.Base64;
import java.util.Set;

/**
 * Bearer JWTs for REST tests, signed with the test-only key in {@code virtgate-test-jwt/}. Services
 * verify them in the test profile with:
 * {@code %test.mp.jwt.verify.publickey.location=virtgate-test-jwt/publicKey.pem} and
 * {@code mp.jwt.verify.issuer=} {@value #ISSUER}.
 */
public final class TestTokens {
    public static final String ISSUER = "https://virtgate.local/issuer";
    private static PrivateKey key;

    public static String operator(String name) {
        return token(name, "operator", "viewer");
    }

    public static String viewer(String name) {
        return token(name, "viewer");
    }

    public static String token(String name, String... roles) {
        return Jwt.issuer(ISSUER).upn(name).subject(name).groups(Set.of(roles))
                .expiresIn(Duration.ofHours(1)).jws().sign(privateKey());
    }

    private static synchronized PrivateKey privateKey() {
        if (key == null) {
            try (InputStream in = TestTokens.class.getResourceAsStream("/virtgate-test-jwt/privateKey.pem")) {
                String pem = new String(in.readAllBytes(), StandardCharsets.US_ASCII)
                        .replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
                key = KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(pem)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (java.security.GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }
        return key;
    }

    private TestTokens() {
    }
}
