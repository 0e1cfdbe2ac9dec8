package dev.virtgate.cli.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.virtgate.cli.CliException;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;

/**
 * How the CLI proves who calls: a bearer token ({@code --token}, else {@code VIRTGATE_TOKEN}, else
 * {@code token=} in cli.conf), or a client certificate ({@code --cert}/{@code --key}, PEM), which
 * only migration-service's HTTPS port accepts. The token never appears in any output.
 */
public record Credentials(String token, TlsFiles tls) {
    public static final String HOW_TO_GET_ONE = "get one with ./virtgate token operator <name>";

    /** PEM files for mutual TLS; caCert pins the server's CA (else the JDK's trust store). */
    public record TlsFiles(Path cert, Path key, Path caCert) {
    }

    public static Credentials resolve(String flagToken, TlsFiles flagTls, Environment env, ConfigFile config) {
        String token = flagToken != null && !flagToken.isBlank() ? flagToken.trim()
                : env.get("VIRTGATE_TOKEN") != null ? env.get("VIRTGATE_TOKEN") : config.get("token");
        TlsFiles tls = flagTls;
        if (tls.cert() == null && config.get("cert") != null) {
            tls = new TlsFiles(Path.of(config.get("cert")), pathOrNull(config.get("key")),
                    tls.caCert() != null ? tls.caCert() : pathOrNull(config.get("cacert")));
        } else if (tls.caCert() == null && config.get("cacert") != null) {
            tls = new TlsFiles(tls.cert(), tls.key(), Path.of(config.get("cacert")));
        }
        if ((tls.cert() == null) != (tls.key() == null)) {
            throw new CliException("a client certificate needs both --cert and --key (PEM)");
        }
        return new Credentials(token, tls);
    }

    public boolean hasClientCertificate() {
        return tls.cert() != null;
    }

    /**
     * The token to send; refuses, in one line, a missing one (unless a client certificate is set)
     * or one whose {@code exp} has passed.
     */
    public String bearerToken(Path configPath, Clock clock) {
        if (token == null) {
            if (hasClientCertificate()) {
                return null;
            }
            throw new CliException("no token: pass --token, set VIRTGATE_TOKEN or put token=... in " + configPath
                    + " (mode 0600); " + HOW_TO_GET_ONE);
        }
        Instant expiry = expiry(token);
        if (expiry != null && !expiry.isAfter(clock.instant())) {
            throw new CliException("the token expired at " + expiry + "; " + HOW_TO_GET_ONE);
        }
        return token;
    }

    /** The JWT's exp claim, or null when the token is not a JWT or has none (the server decides then). */
    static Instant expiry(String token) {
        String[] parts = token.split("\\.");
        if (parts.length != 3) {
            return null;
        }
        try {
            JsonNode claims = new ObjectMapper().readTree(
                    new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8));
            JsonNode exp = claims.get("exp");
            return exp != null && exp.canConvertToLong() ? Instant.ofEpochSecond(exp.asLong()) : null;
        } catch (Exception e) {
            return null;
        }
    }

    @Override
    public String toString() {
        return "Credentials[token=" + (token == null ? "none" : "<redacted>") + ", tls=" + tls + "]";
    }

    private static Path pathOrNull(String value) {
        return value == null ? null : Path.of(value);
    }
}
