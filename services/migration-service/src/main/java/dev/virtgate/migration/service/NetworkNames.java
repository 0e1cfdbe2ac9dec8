package dev.virtgate.migration.service;

import java.util.regex.Pattern;

/** Strict syntax of host names and IP literals accepted at registration: no DNS look-ups, no surprises. */
public final class NetworkNames {
    private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?");
    private static final Pattern IPV4 = Pattern.compile(
            "(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])){3}");
    private static final Pattern IPV6_CHARS = Pattern.compile("[0-9A-Fa-f:.]{2,45}");

    /** A DNS name of at least two labels (a fully qualified name), 253 characters at most, not an IP. */
    public static boolean isFqdn(String name) {
        return isHostname(name) && name.contains(".") && !IPV4.matcher(name).matches()
                && !name.chars().allMatch(c -> Character.isDigit(c) || c == '.');
    }

    /** A DNS name (one or more RFC 1123 labels), 253 characters at most. */
    public static boolean isHostname(String name) {
        if (name == null || name.isEmpty() || name.length() > 253 || name.endsWith(".")) {
            return false;
        }
        for (String label : name.split("\\.", -1)) {
            if (!LABEL.matcher(label).matches()) {
                return false;
            }
        }
        return true;
    }

    public static boolean isIpv4(String address) {
        return address != null && IPV4.matcher(address).matches();
    }

    /** An IPv6 literal without zone or brackets, in any valid textual form. */
    public static boolean isIpv6(String address) {
        if (address == null || !address.contains(":") || !IPV6_CHARS.matcher(address).matches()) {
            return false;
        }
        try {
            // Only hex digits, ':' and '.' reach here, so this parses a literal and never resolves a name.
            return java.net.InetAddress.getByName(address) instanceof java.net.Inet6Address;
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    public static boolean isIp(String address) {
        return isIpv4(address) || isIpv6(address);
    }

    private NetworkNames() {
    }
}
