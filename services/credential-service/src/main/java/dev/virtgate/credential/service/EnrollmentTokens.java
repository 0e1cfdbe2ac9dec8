package dev.virtgate.credential.service;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** The registry stores lower-case hex SHA-256 of the token's characters; compared in constant time. */
public final class EnrollmentTokens {

    public static String sha256Hex(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static boolean matches(String token, String expectedSha256Hex) {
        if (token == null || expectedSha256Hex == null) {
            return false;
        }
        return MessageDigest.isEqual(sha256Hex(token).getBytes(StandardCharsets.US_ASCII),
                expectedSha256Hex.toLowerCase().getBytes(StandardCharsets.US_ASCII));
    }

    private EnrollmentTokens() {
    }
}
