package dev.virtgate.cli;

import dev.virtgate.cli.config.Credentials;
import dev.virtgate.cli.config.Service;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;

/** Options every sub-command takes, before or after its name (picocli's inherited scope). */
public abstract class GlobalOptions {

    /** Human tables, or the services' JSON for scripts. */
    public enum Format { table, json }

    @Spec
    protected CommandSpec spec;

    @Option(names = {"-o", "--output"}, scope = ScopeType.INHERIT, paramLabel = "table|json",
            description = "table (default) or json")
    Format output = Format.table;

    @Option(names = "--token", scope = ScopeType.INHERIT, paramLabel = "JWT",
            description = "bearer token (else VIRTGATE_TOKEN, else token= in the config file)")
    String token;

    @Option(names = "--cert", scope = ScopeType.INHERIT, paramLabel = "PEM",
            description = "client certificate (migration-service's HTTPS port only)")
    Path cert;

    @Option(names = "--key", scope = ScopeType.INHERIT, paramLabel = "PEM", description = "its PKCS#8 key")
    Path key;

    @Option(names = "--cacert", scope = ScopeType.INHERIT, paramLabel = "PEM",
            description = "CA the services' HTTPS certificates must chain to")
    Path caCert;

    @Option(names = "--migration-url", scope = ScopeType.INHERIT, paramLabel = "URL",
            description = "else VIRTGATE_MIGRATION_URL, else $VIRTGATE_HOME/ports.env")
    String migrationUrl;

    @Option(names = "--pki-url", scope = ScopeType.INHERIT, paramLabel = "URL",
            description = "else VIRTGATE_PKI_URL, else $VIRTGATE_HOME/ports.env")
    String pkiUrl;

    @Option(names = "--credential-url", scope = ScopeType.INHERIT, paramLabel = "URL",
            description = "else VIRTGATE_CREDENTIAL_URL, else $VIRTGATE_HOME/ports.env")
    String credentialUrl;

    public Format output() {
        return output;
    }

    public String token() {
        return token;
    }

    public Credentials.TlsFiles tlsFiles() {
        return new Credentials.TlsFiles(cert, key, caCert);
    }

    public Map<Service, String> urlFlags() {
        Map<Service, String> flags = new EnumMap<>(Service.class);
        flags.put(Service.MIGRATION, migrationUrl);
        flags.put(Service.PKI, pkiUrl);
        flags.put(Service.CREDENTIAL, credentialUrl);
        return flags;
    }
}
