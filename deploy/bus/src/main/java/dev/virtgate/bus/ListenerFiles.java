package dev.virtgate.bus;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The files of {@link BusListenerCert} in a stack's secrets: {@value #CA} (readable: agents trust it),
 * {@value #KEY} (0600) and {@value #CHAIN}. Made once (a present set is kept: agents already trust
 * its CA), written atomically.
 */
public final class ListenerFiles {
    public static final String CA = "bus-ca.pem";
    public static final String KEY = "hosts-listener.key.pem";
    public static final String CHAIN = "hosts-listener.chain.pem";
    private static final Pattern IP = Pattern.compile("^[0-9.]+$|^[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*$");
    private static final Pattern DNS = Pattern.compile("^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$");

    private ListenerFiles() {
    }

    /** Makes the files for these names (DNS names or IP literals) unless all three exist. */
    public static void create(Path dir, List<String> names) throws IOException {
        if (Files.exists(dir.resolve(CA)) && Files.exists(dir.resolve(KEY)) && Files.exists(dir.resolve(CHAIN))) {
            return;
        }
        List<String> dns = new ArrayList<>();
        List<String> ips = new ArrayList<>();
        for (String name : names.stream().distinct().toList()) {
            if (IP.matcher(name).matches()) {
                ips.add(name);
            } else if (DNS.matcher(name).matches()) {
                dns.add(name);
            } else {
                throw new IllegalArgumentException("not a DNS name or IP address: " + name.replaceAll("[^\\x20-\\x7e]", "?"));
            }
        }
        BusListenerCert cert = BusListenerCert.create(dns, ips);
        Files.createDirectories(dir);
        write(dir.resolve(KEY), cert.keyPem(), "rw-------");
        write(dir.resolve(CHAIN), cert.chainPem(), "rw-r--r--");
        write(dir.resolve(CA), cert.caPem(), "rw-r--r--");
    }

    public static BusListenerCert read(Path dir) throws IOException {
        for (String file : List.of(CA, KEY, CHAIN)) {
            if (!Files.isReadable(dir.resolve(file))) {
                throw new IllegalArgumentException("the bus listener file is missing or unreadable: " + dir.resolve(file));
            }
        }
        return new BusListenerCert(Files.readString(dir.resolve(CA)), Files.readString(dir.resolve(KEY)),
                Files.readString(dir.resolve(CHAIN)));
    }

    private static void write(Path file, String content, String mode) throws IOException {
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(temp);
        Files.createFile(temp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(mode)));
        try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
            channel.write(StandardCharsets.US_ASCII.encode(content));
            channel.force(true);
        }
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
