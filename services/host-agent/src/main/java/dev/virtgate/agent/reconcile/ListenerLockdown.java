package dev.virtgate.agent.reconcile;

import dev.virtgate.agent.conf.ConfValue;
import dev.virtgate.agent.conf.LibvirtConf;
import dev.virtgate.agent.config.AgentPaths;
import dev.virtgate.agent.files.SecureFiles;
import dev.virtgate.agent.libvirt.LibvirtdControl;
import dev.virtgate.agent.libvirt.Processes;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Closes what lets anyone into libvirtd without credentials, before the agent does anything else
 * (enrollment, the bus): TCP with {@code auth_tcp = "none"} and TLS that does not verify client
 * certificates. Only those settings change ({@code listen_tcp = 0}, {@code tls_no_verify_certificate = 0});
 * every other line of the operator's libvirtd.conf is kept, the file is replaced atomically and
 * libvirtd restarted. The full configuration follows once the host has a certificate.
 */
public final class ListenerLockdown {

    /** What one libvirtd.conf leaves open: the settings that close it, and what each closes. */
    public record Closing(Map<String, ConfValue> settings, List<String> closed) {
        public boolean isEmpty() {
            return settings.isEmpty();
        }
    }

    private final AgentPaths paths;
    private final LibvirtdControl libvirtd;

    public ListenerLockdown(AgentPaths paths, LibvirtdControl libvirtd) {
        this.paths = paths;
        this.libvirtd = libvirtd;
    }

    /**
     * libvirt's defaults when a key is absent: listen_tcp 0, listen_tls 1, auth_tcp "sasl",
     * auth_tls "none", tls_no_verify_certificate 0.
     */
    public static Closing find(LibvirtConf conf) {
        Map<String, ConfValue> settings = new LinkedHashMap<>();
        List<String> closed = new ArrayList<>();
        if (flag(conf, "listen_tcp", false) && "none".equals(string(conf, "auth_tcp", "sasl"))) {
            settings.put("listen_tcp", ConfValue.of(0));
            closed.add("unauthenticated TCP (listen_tcp = 1, auth_tcp = \"none\": now listen_tcp = 0)");
        }
        if (flag(conf, "listen_tls", true) && flag(conf, "tls_no_verify_certificate", false)) {
            settings.put("tls_no_verify_certificate", ConfValue.of(0));
            closed.add("TLS without client certificate verification (tls_no_verify_certificate = 1, auth_tls = \""
                    + string(conf, "auth_tls", "none") + "\": now tls_no_verify_certificate = 0)");
        }
        return new Closing(settings, closed);
    }

    /**
     * Closes what {@link #find} reports and restarts libvirtd. Returns the one line to log, naming
     * what was closed, or empty when nothing was open (or there is no libvirtd.conf).
     */
    public Optional<String> run() {
        String logical = paths.libvirtdConf();
        Path file = paths.onHost(logical);
        Optional<byte[]> current = SecureFiles.read(file);
        if (current.isEmpty()) {
            return Optional.empty();
        }
        LibvirtConf conf = LibvirtConf.parse(new String(current.get(), StandardCharsets.UTF_8));
        Closing closing = find(conf);
        if (closing.isEmpty()) {
            return Optional.empty();
        }
        SecureFiles.writeAtomically(file, conf.render(closing.settings()).getBytes(StandardCharsets.UTF_8),
                mode(file), null);
        return Optional.of("start-up lock-down: closed " + String.join(" and ", closing.closed()) + " in "
                + logical + "; " + restart());
    }

    private String restart() {
        Processes.Result r;
        try {
            r = libvirtd.restart();
        } catch (IllegalStateException e) { // no restart command configured
            return "libvirtd NOT restarted (" + e.getMessage() + "): it still serves the old settings";
        }
        if (!r.ok()) {
            return "libvirtd restart FAILED (exit " + r.exitCode() + ")";
        }
        return libvirtd.awaitHealthy(false) ? "libvirtd restarted" : "libvirtd restarted but does not answer yet";
    }

    private static boolean flag(LibvirtConf conf, String key, boolean absent) {
        return conf.get(key).map(v -> v instanceof ConfValue.Int i ? i.value() != 0
                : !(v instanceof ConfValue.Str s && s.value().strip().equals("0"))) // not a number: assume open
                .orElse(absent);
    }

    private static String string(LibvirtConf conf, String key, String absent) {
        return conf.get(key).map(v -> v instanceof ConfValue.Str s ? s.value() : v.render(key)).orElse(absent);
    }

    private static String mode(Path file) {
        try {
            return PosixFilePermissions.toString(Files.getPosixFilePermissions(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
