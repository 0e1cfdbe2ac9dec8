package dev.virtgate.agent.conf;

import java.util.regex.Pattern;

/**
 * Strict validators for every value the agent puts into a config file. Anything that could break
 * out of a libvirt string ("), start a new setting (newline), be interpreted (backslash) or widen a
 * tls_allowed_dn_list entry (fnmatch wildcards * ? [ ]) is refused before anything is written.
 */
public final class ConfigValues {
    private static final Pattern HOST_NAME = Pattern.compile(
            "^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$");
    private static final Pattern IPV4 = Pattern.compile(
            "^((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$");
    private static final Pattern IPV6 = Pattern.compile("^[0-9A-Fa-f:.]{2,45}$");
    private static final Pattern DN_PART = Pattern.compile("^[A-Za-z][A-Za-z0-9.]{0,31}=[A-Za-z0-9 ._@:+-]{1,256}$");
    private static final Pattern USERNAME = Pattern.compile("^[a-z][a-z0-9._-]{0,62}$");
    private static final Pattern PATH = Pattern.compile("^/[A-Za-z0-9/._-]{0,1023}$");
    private static final Pattern MECH = Pattern.compile("^[a-z0-9-]{1,32}$");
    private static final Pattern SECRET = Pattern.compile("^[A-Za-z0-9_+/=.~-]{8,512}$");
    private static final Pattern UUID = Pattern.compile("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$");

    public static String hostName(String field, String value) {
        require(field, value);
        if (!HOST_NAME.matcher(value).matches()) {
            throw new ConfigRejectedException(field, "not a DNS host name");
        }
        return value;
    }

    /** An IPv4 or IPv6 literal; never resolved through DNS. */
    public static String address(String field, String value) {
        require(field, value);
        if (IPV4.matcher(value).matches()) {
            return value;
        }
        if (IPV6.matcher(value).matches() && value.chars().filter(c -> c == ':').count() >= 2) {
            try {
                java.net.InetAddress.getByName(value); // literal only: the pattern excludes names
                return value;
            } catch (java.net.UnknownHostException e) {
                throw new ConfigRejectedException(field, "not an IP address");
            }
        }
        throw new ConfigRejectedException(field, "not an IP address");
    }

    /**
     * A listen address must be one address, not a wildcard that opens every interface. Judged by
     * the address, not its spelling: {@code 0:0:0:0:0:0:0:0}, {@code ::0.0.0.0} and
     * {@code ::ffff:0.0.0.0} are wildcards too.
     */
    public static String listenAddress(String field, String value) {
        if (literal(field, value).isAnyLocalAddress()) {
            throw new ConfigRejectedException(field, "wildcard listen address refused");
        }
        return value;
    }

    /** True for any spelling of a loopback address (127.0.0.0/8, ::1, 0:0:0:0:0:0:0:1, ::ffff:127.0.0.1). */
    public static boolean isLoopback(String field, String value) {
        return literal(field, value).isLoopbackAddress();
    }

    /** True for any spelling of the wildcard address. */
    public static boolean isWildcard(String field, String value) {
        return literal(field, value).isAnyLocalAddress();
    }

    /** The address an already validated literal denotes; {@link #address} guarantees no DNS look-up happens. */
    private static java.net.InetAddress literal(String field, String value) {
        address(field, value);
        try {
            return java.net.InetAddress.getByName(value);
        } catch (java.net.UnknownHostException e) {
            throw new ConfigRejectedException(field, "not an IP address");
        }
    }

    /** A distinguished name in virt-pki-query-dn order, as written to tls_allowed_dn_list. */
    public static String dn(String field, String value) {
        require(field, value);
        if (value.length() > 1024) {
            throw new ConfigRejectedException(field, "too long");
        }
        for (String part : value.split(",", -1)) {
            if (!DN_PART.matcher(part).matches()) {
                throw new ConfigRejectedException(field, "not a plain distinguished name (quotes, escapes, "
                        + "wildcards and control characters are refused)");
            }
        }
        return value;
    }

    public static String username(String field, String value) {
        require(field, value);
        if (!USERNAME.matcher(value).matches()) {
            throw new ConfigRejectedException(field, "not a valid SASL user name");
        }
        return value;
    }

    public static String realm(String field, String value) {
        hostName(field, value);
        return value;
    }

    public static String path(String field, String value) {
        require(field, value);
        if (!PATH.matcher(value).matches() || value.contains("/../") || value.endsWith("/..")) {
            throw new ConfigRejectedException(field, "not a plain absolute path");
        }
        return value;
    }

    public static String mechanism(String field, String value) {
        require(field, value);
        if (!MECH.matcher(value).matches()) {
            throw new ConfigRejectedException(field, "not a SASL mechanism name");
        }
        return value;
    }

    /** Passwords go to auth.conf (key file syntax) and saslpasswd2's stdin: one printable token. */
    public static String secret(String field, String value) {
        require(field, value);
        if (!SECRET.matcher(value).matches()) {
            throw new ConfigRejectedException(field, "secret has characters that cannot be stored safely");
        }
        return value;
    }

    public static String uuid(String field, String value) {
        require(field, value);
        if (!UUID.matcher(value).matches()) {
            throw new ConfigRejectedException(field, "not a lower-case UUID");
        }
        return value;
    }

    public static int port(String field, int value) {
        if (value < 1 || value > 65535) {
            throw new ConfigRejectedException(field, "not a TCP port");
        }
        return value;
    }

    private static void require(String field, String value) {
        if (value == null || value.isEmpty()) {
            throw new ConfigRejectedException(field, "missing");
        }
    }

    private ConfigValues() {
    }
}
