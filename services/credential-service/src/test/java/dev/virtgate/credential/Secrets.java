package dev.virtgate.credential;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every secret a test of this JVM handled (enrollment tokens, SASL passwords, wrapping tokens,
 * secret-ids): the bus scan looks for each of them in every record.
 */
public final class Secrets {
    private static final Set<String> SEEN = ConcurrentHashMap.newKeySet();

    public static String remember(String secret) {
        if (secret != null && !secret.isBlank()) {
            SEEN.add(secret);
        }
        return secret;
    }

    public static Set<String> all() {
        return Set.copyOf(SEEN);
    }

    private Secrets() {
    }
}
