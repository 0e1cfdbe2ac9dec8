package dev.virtgate.credential.service;

import java.security.SecureRandom;
import java.util.Base64;

/** 32 random bytes, base64url without padding: 43 characters safe in SASL dbs, auth.conf and shells. */
public final class SaslPasswords {
    private static final SecureRandom RANDOM = new SecureRandom();

    public static String generate() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private SaslPasswords() {
    }
}
