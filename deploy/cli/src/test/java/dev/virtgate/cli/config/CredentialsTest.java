package dev.virtgate.cli.config;

import dev.virtgate.cli.CliException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class CredentialsTest {
    private static final Clock NOW = Clock.fixed(Instant.parse("2026-11-29T12:00:00Z"), ZoneOffset.UTC);
    private static final Credentials.TlsFiles NO_TLS = new Credentials.TlsFiles(null, null, null);

    @TempDir
    Path home;

    @Test
    void theFlagWinsOverTheEnvironmentWhichWinsOverTheFile() {
        Environment env = new Environment(Map.of("VIRTGATE_TOKEN", "from-env"), home);
        assertEquals("from-flag", Credentials.resolve("from-flag", NO_TLS, env, ConfigFile.load(env)).token());
        assertEquals("from-env", Credentials.resolve(null, NO_TLS, env, ConfigFile.load(env)).token());
    }

    @Test
    void aMissingTokenIsOneLineSayingHowToGetOne() {
        Environment env = new Environment(Map.of(), home);
        Credentials none = Credentials.resolve(null, NO_TLS, env, ConfigFile.load(env));
        CliException e = assertThrows(CliException.class, () -> none.bearerToken(Path.of("/x/cli.conf"), NOW));
        assertEquals("no token: pass --token, set VIRTGATE_TOKEN or put token=... in /x/cli.conf (mode 0600); "
                + "get one with ./virtgate token operator <name>", e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void anExpiredTokenIsRefusedBeforeAnyRequest() {
        String jwt = jwt("{\"sub\":\"alice\",\"exp\":" + Instant.parse("2026-11-29T11:00:00Z").getEpochSecond() + "}");
        Credentials expired = new Credentials(jwt, NO_TLS);
        CliException e = assertThrows(CliException.class, () -> expired.bearerToken(Path.of("c"), NOW));
        assertEquals("the token expired at 2026-11-29T11:00:00Z; get one with ./virtgate token operator <name>",
                e.getMessage());
        assertFalse(e.getMessage().contains(jwt));
    }

    @Test
    void aValidTokenOrOneWithoutExpiryIsSentAsIs() {
        String jwt = jwt("{\"exp\":" + Instant.parse("2026-11-29T13:00:00Z").getEpochSecond() + "}");
        assertEquals(jwt, new Credentials(jwt, NO_TLS).bearerToken(Path.of("c"), NOW));
        assertEquals("opaque", new Credentials("opaque", NO_TLS).bearerToken(Path.of("c"), NOW));
    }

    @Test
    void aClientCertificateNeedsNoTokenButNeedsItsKey() {
        Environment env = new Environment(Map.of(), home);
        Credentials cert = Credentials.resolve(null, new Credentials.TlsFiles(Path.of("c.pem"), Path.of("k.pem"), null),
                env, ConfigFile.load(env));
        assertNull(cert.bearerToken(Path.of("c"), NOW));
        assertThrows(CliException.class, () -> Credentials.resolve(null,
                new Credentials.TlsFiles(Path.of("c.pem"), null, null), env, ConfigFile.load(env)));
    }

    @Test
    void theTokenNeverShowsInToString() {
        assertFalse(new Credentials("secret.jwt.value", NO_TLS).toString().contains("secret"));
    }

    static String jwt(String claims) {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        return b64.encodeToString("{\"alg\":\"RS256\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + b64.encodeToString(claims.getBytes(StandardCharsets.UTF_8)) + ".c2ln";
    }
}
