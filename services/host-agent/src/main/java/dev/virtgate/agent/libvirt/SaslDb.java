package dev.virtgate.agent.libvirt;

import dev.virtgate.agent.conf.ConfigValues;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Users of libvirt's SASL db, through saslpasswd2; the password goes to stdin only. */
public final class SaslDb {
    private final String saslpasswd2;
    private final Path db;
    private final String realm;

    public SaslDb(String saslpasswd2, Path db, String realm) {
        this.saslpasswd2 = saslpasswd2;
        this.db = db;
        this.realm = ConfigValues.realm("sasl-realm", realm);
    }

    public void setPassword(String user, String password) {
        ConfigValues.username("sasl user", user);
        ConfigValues.secret("sasl password", password);
        Processes.Result r = Processes.run(List.of(saslpasswd2, "-f", db.toString(), "-a", "libvirt", "-u", realm,
                "-p", "-c", user), password, Duration.ofSeconds(20));
        if (!r.ok()) {
            throw new IllegalStateException("saslpasswd2 failed for user " + user + " (exit " + r.exitCode() + ")");
        }
    }

    public void delete(String user) {
        ConfigValues.username("sasl user", user);
        Processes.Result r = Processes.run(List.of(saslpasswd2, "-f", db.toString(), "-a", "libvirt", "-u", realm,
                "-d", user), null, Duration.ofSeconds(20));
        if (!r.ok() && !r.output().contains("not found")) {
            throw new IllegalStateException("saslpasswd2 -d failed for user " + user + " (exit " + r.exitCode() + ")");
        }
    }
}
