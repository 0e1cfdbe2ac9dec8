package dev.virtgate.e2e.lab;

import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.function.BooleanSupplier;

/**
 * What one lab host can reach on another, seen from inside its namespaces: whether libvirtd's
 * plain TCP port accepts connections, and whether the SASL credential the host keeps on disk
 * (its /etc/libvirt/auth.conf, written by its agent) still logs in to a peer.
 */
final class LabAccess {
    static final int TCP_PORT = 16509;

    private final LabHosts lab;

    LabAccess(LabHosts lab) {
        this.lab = lab;
    }

    /** A TCP connection from {@code from} to {@code to}'s libvirtd TCP port is accepted. */
    boolean tcpOpen(String from, String to) {
        String literal = lab.address(to);
        if (!literal.matches("[0-9a-fA-F:.]+")) {
            throw new IllegalArgumentException("not an IP address literal: " + literal);
        }
        String address;
        try {
            address = InetAddress.getByName(literal).getHostAddress(); // a literal: no name lookup
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException("not an IP address literal: " + literal, e);
        }
        return lab.exec(from, "timeout", "5", "bash", "-c", "exec 3<>/dev/tcp/" + address + "/" + TCP_PORT).exit() == 0;
    }

    /** {@code from}'s stored SASL credential opens a qemu+tcp connection to {@code to}. */
    boolean storedCredentialWorks(String from, String to) {
        return lab.exec(from, "env", "LIBVIRT_AUTH_FILE=/etc/libvirt/auth.conf", "timeout", "20", "virsh", "-q", "-c",
                "qemu+tcp://" + lab.fqdn(to) + "/system", "hostname").exit() == 0;
    }

    /** The managed setting {@code key} of {@code host}'s libvirtd.conf as written, e.g. {@code listen_tcp = 0}. */
    String libvirtdSetting(String host, String key) {
        try {
            return Files.readAllLines(lab.hostDir(host).resolve("etc/libvirt/libvirtd.conf")).stream()
                    .filter(l -> l.startsWith(key + " = ")).reduce((a, b) -> b).orElse(key + " unset");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Seconds from {@code since} until {@code condition} held, polling every second; fails after {@code timeout}. */
    static long secondsUntil(String what, Instant since, Duration timeout, BooleanSupplier condition) {
        try {
            Awaitility.await(what).atMost(timeout).pollInterval(Duration.ofSeconds(1)).until(condition::getAsBoolean);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(what + ": not within " + timeout.toSeconds() + " s", e);
        }
        return Duration.between(since, Instant.now()).toSeconds();
    }
}
