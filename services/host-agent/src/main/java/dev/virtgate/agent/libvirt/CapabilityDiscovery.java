package dev.virtgate.agent.libvirt;

import dev.virtgate.agent.conf.ConfValue;
import dev.virtgate.agent.conf.LibvirtConf;
import dev.virtgate.agent.config.AgentConfig;
import dev.virtgate.agent.config.AgentPaths;
import dev.virtgate.contracts.events.HostCapabilities;
import org.jboss.logging.Logger;
import org.libvirt.Connect;
import org.libvirt.LibvirtException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** What the running libvirtd and this host can do, from libvirt-java and the installed SASL plugins. */
public final class CapabilityDiscovery {
    static final long NATIVE_TLS_LIBVIRT = 4_004_000L;
    static final long NATIVE_TLS_QEMU = 2_011_000L;
    static final long TLS_RELOAD_LIBVIRT = 6_002_000L;
    /** libvirt 5.2.0 added VIR_MIGRATE_PARALLEL and VIR_MIGRATE_PARAM_PARALLEL_CONNECTIONS (multifd). */
    static final long MULTIFD_LIBVIRT = 5_002_000L;
    /**
     * QEMU 5.2.0 is the first whose multifd channels speak TLS: "migration/tls: add tls support for
     * multifd" (Chuan Zheng), merged with the migration pull of 2020-09-25; before it multifd ignored
     * the tls-creds and libvirt's TLS + PARALLEL migration failed.
     */
    static final long MULTIFD_TLS_QEMU = 5_002_000L;
    private static final Map<String, List<String>> PLUGINS = Map.of(
            "digestmd5", List.of("DIGEST-MD5"),
            "scram", List.of("SCRAM-SHA-1", "SCRAM-SHA-256"),
            "crammd5", List.of("CRAM-MD5"),
            "plain", List.of("PLAIN"),
            "login", List.of("LOGIN"),
            "anonymous", List.of("ANONYMOUS"),
            "ntlm", List.of("NTLM"),
            "gssapiv2", List.of("GSSAPI"),
            "gs2", List.of("GS2-KRB5"));
    private static final Logger LOG = Logger.getLogger(CapabilityDiscovery.class);
    private static final Pattern UUID = Pattern.compile("<host>\\s*<uuid>([0-9a-f-]{36})</uuid>");

    private final AgentConfig config;
    private final AgentPaths paths;

    public CapabilityDiscovery(AgentConfig config, AgentPaths paths) {
        this.config = config;
        this.paths = paths;
    }

    public HostCapabilities discover(String agentVersion) throws LibvirtException {
        Connect c = LibvirtClient.open(config.libvirtUri());
        try {
            long lib = c.getLibVersion();
            long qemu = c.getVersion();
            String uuid = null;
            Matcher m = UUID.matcher(c.getCapabilities());
            if (m.find()) {
                uuid = m.group(1);
            }
            return new HostCapabilities(LibvirtClient.version(lib), LibvirtClient.version(qemu),
                    nativeTls(lib, qemu), lib >= TLS_RELOAD_LIBVIRT, saslMechanisms(paths.saslPluginDir),
                    listeners(), uuid, agentVersion, multifdTls(lib, qemu));
        } finally {
            c.close();
        }
    }

    /** What the running libvirt and QEMU can do for a migration over QEMU native TLS. */
    public record MigrationTls(boolean nativeTls, boolean multifdTls) {
        public static final MigrationTls NONE = new MigrationTls(false, false);
    }

    /** Asked of libvirtd at every report, so an upgrade after enrolment counts; NONE when it does not answer. */
    public MigrationTls migrationTls() {
        try {
            Connect c = LibvirtClient.open(config.libvirtUri());
            try {
                long lib = c.getLibVersion();
                long qemu = c.getVersion();
                return new MigrationTls(nativeTls(lib, qemu), multifdTls(lib, qemu));
            } finally {
                c.close();
            }
        } catch (Exception e) {
            LOG.debug("libvirtd unreachable for the capability check");
            return MigrationTls.NONE;
        }
    }

    public static boolean nativeTls(long libvirt, long qemu) {
        return libvirt >= NATIVE_TLS_LIBVIRT && qemu >= NATIVE_TLS_QEMU;
    }

    /** Parallel (multifd) migration with QEMU native TLS on every connection; needs native TLS too. */
    public static boolean multifdTls(long libvirt, long qemu) {
        return nativeTls(libvirt, qemu) && libvirt >= MULTIFD_LIBVIRT && qemu >= MULTIFD_TLS_QEMU;
    }

    public static List<String> saslMechanisms(Path pluginDir) {
        TreeSet<String> mechs = new TreeSet<>();
        if (!Files.isDirectory(pluginDir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(pluginDir)) {
            files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("lib") && n.endsWith(".so"))
                    .map(n -> n.substring(3, n.length() - 3))
                    .forEach(n -> mechs.addAll(PLUGINS.getOrDefault(n, List.of())));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return List.copyOf(mechs);
    }

    /** Listeners configured in libvirtd.conf that accept TCP connections right now, with their auth. */
    public List<String> listeners() {
        Path file = paths.onHost(paths.libvirtdConf());
        String text;
        try {
            text = Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        LibvirtConf conf = LibvirtConf.parse(text);
        String addr = conf.get("listen_addr").map(CapabilityDiscovery::str).orElse(config.managementAddress());
        List<String> out = new ArrayList<>();
        addListener(out, conf, "tcp", addr, port(conf, "tcp_port", 16509), "auth_tcp");
        addListener(out, conf, "tls", addr, port(conf, "tls_port", 16514), "auth_tls");
        return out;
    }

    private static void addListener(List<String> out, LibvirtConf conf, String kind, String addr, int port,
            String authKey) {
        boolean enabled = conf.get("listen_" + kind).map(v -> v instanceof ConfValue.Int i && i.value() == 1)
                .orElse(kind.equals("tls"));
        if (enabled && LibvirtdControl.portOpen(LibvirtdControl.probeAddress(addr), port)) {
            out.add(kind + "://" + addr + ":" + port + " auth=" + conf.get(authKey).map(CapabilityDiscovery::str)
                    .orElse("default"));
        }
    }

    private static int port(LibvirtConf conf, String key, int dflt) {
        return conf.get(key).map(v -> Integer.parseInt(str(v))).orElse(dflt);
    }

    private static String str(ConfValue v) {
        if (v instanceof ConfValue.Str s) {
            return s.value();
        }
        if (v instanceof ConfValue.Int i) {
            return Long.toString(i.value());
        }
        return String.join(",", ((ConfValue.StrList) v).values());
    }
}
