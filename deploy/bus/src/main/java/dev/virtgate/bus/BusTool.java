package dev.virtgate.bus;

import dev.virtgate.contracts.BusAccess;
import dev.virtgate.contracts.Topics;
import org.apache.kafka.clients.admin.Admin;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The bus tool of the local stack's launcher and the compose stack's {@code bus-init}:
 * <ul>
 * <li>{@code principals}: the principals that need a password;</li>
 * <li>{@code listener-cert <dir> <name>...}: unless present, a bus CA and the broker's certificate on
 * the agents' mTLS listener for these DNS names / IP addresses: {@code bus-ca.pem} (what agents
 * trust), {@code hosts-listener.key.pem} (0600) and {@code hosts-listener.chain.pem};</li>
 * <li>{@code broker-properties <passwords> <listener-dir>}: the broker's security lines;</li>
 * <li>{@code format-scram <passwords>}: the storage-format argument creating the admin;</li>
 * <li>{@code bootstrap <servers> <passwords>}: topics, SCRAM credentials and ACLs, idempotently.</li>
 * </ul>
 * {@code <passwords>} is a directory of {@code <principal>.password} files (mode 0600), or {@code env}:
 * {@code VIRTGATE_BUS_<PRINCIPAL>_PASSWORD} variables ({@code VIRTGATE_BUS_PKI_SERVICE_PASSWORD}).
 * {@code VIRTGATE_BUS_ADMIN_MECHANISM=PLAIN} logs the admin in with PLAIN instead of SCRAM;
 * {@code VIRTGATE_BUS_REPLICATION_FACTOR} (default 1) is the new topics' replication factor.
 */
public final class BusTool {

    private BusTool() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 1 && args[0].equals("principals")) {
            BusAccess.principals().forEach(System.out::println);
            return;
        }
        if (args.length < 2) {
            usage();
        }
        switch (args[0]) {
            case "listener-cert" -> ListenerFiles.create(Path.of(args[1]), List.of(args).subList(2, args.length));
            case "broker-properties" -> {
                if (args.length < 3) {
                    usage();
                }
                BusSecurity.brokerProperties(password(args[1], BusSecurity.ADMIN), ListenerFiles.read(Path.of(args[2])))
                        .forEach(System.out::println);
            }
            case "format-scram" -> System.out.println(BusSecurity.formatScramArgument(password(args[1], BusSecurity.ADMIN)));
            case "bootstrap" -> bootstrap(args);
            default -> usage();
        }
    }

    private static void bootstrap(String[] args) throws Exception {
        if (args.length < 3) {
            usage();
        }
        Map<String, String> passwords = new TreeMap<>();
        for (String principal : BusAccess.principals()) {
            passwords.put(principal, password(args[2], principal));
        }
        String admin = password(args[2], BusSecurity.ADMIN);
        Map<String, Object> config = "PLAIN".equals(System.getenv("VIRTGATE_BUS_ADMIN_MECHANISM"))
                ? BusSecurity.plainAdminConfig(args[1], admin) : BusSecurity.clientConfig(args[1], BusSecurity.ADMIN, admin);
        try (Admin client = Admin.create(config)) {
            BusBootstrap.apply(client, passwords, 3,
                    Short.parseShort(System.getenv().getOrDefault("VIRTGATE_BUS_REPLICATION_FACTOR", "1")));
        }
        System.out.println("bus: " + Topics.all().size() + " topics, " + passwords.size() + " principals, "
                + BusBootstrap.acls().size() + " ACLs in place");
    }

    private static String password(String source, String principal) throws IOException {
        if (source.equals("env")) {
            String name = "VIRTGATE_BUS_" + principal.toUpperCase(Locale.ROOT).replace('-', '_') + "_PASSWORD";
            String value = System.getenv(name);
            if (value == null || value.isBlank()) {
                throw new IllegalArgumentException("no password for bus principal " + principal + ": set " + name);
            }
            return value.strip();
        }
        Path file = Path.of(source).resolve(principal + ".password");
        if (!Files.isReadable(file)) {
            throw new IllegalArgumentException("the password of bus principal " + principal
                    + " is missing or unreadable: " + file);
        }
        return Files.readString(file).strip();
    }

    private static void usage() {
        System.err.println("usage: BusTool principals | listener-cert <dir> <name>... | broker-properties <passwords> <listener-dir>"
                + " | format-scram <passwords>"
                + " | bootstrap <servers> <passwords>   (<passwords>: a directory of <principal>.password, or env)");
        System.exit(2);
    }
}
