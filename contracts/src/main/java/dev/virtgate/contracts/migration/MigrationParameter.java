package dev.virtgate.contracts.migration;

import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The libvirt typed migration parameters (virDomainMigrateToURI3) virtgate sends, each under
 * libvirt's own name ({@code VIR_MIGRATE_PARAM_*} in libvirt-domain.h) and with libvirt's type.
 * migration-service builds {@code MigrationRequested.parameters} only from these, the agent
 * applies only these, and the event's JSON Schema allows exactly these names.
 *
 * <p>On the wire every value is a string; {@link #validate(String)} checks that it is one libvirt
 * accepts for the type: a string of 1 to {@value #MAX_STRING_LENGTH} characters without NUL, or a
 * decimal number (no sign, no leading zero) within the parameter's range. Each parameter's
 * {@link #valuePattern()} says exactly that and is the pattern the schema gives its value (a JSON
 * Schema validator may let {@code $} match before a final newline; this check does not).
 * Messages name the parameter, never the value.
 */
public enum MigrationParameter {
    /** VIR_MIGRATE_PARAM_URI: where QEMU sends the memory, e.g. over the migration network. */
    MIGRATE_URI("migrate_uri", Type.STRING),
    /** VIR_MIGRATE_PARAM_TLS_DESTINATION: the name the destination's certificate is verified against. */
    TLS_DESTINATION("tls.destination", Type.STRING),
    /** VIR_MIGRATE_PARAM_DEST_NAME. */
    DESTINATION_NAME("destination_name", Type.STRING),
    /** VIR_MIGRATE_PARAM_LISTEN_ADDRESS. */
    LISTEN_ADDRESS("listen_address", Type.STRING),
    /** VIR_MIGRATE_PARAM_GRAPHICS_URI. */
    GRAPHICS_URI("graphics_uri", Type.STRING),
    /** VIR_MIGRATE_PARAM_DEST_XML. */
    DESTINATION_XML("destination_xml", Type.STRING),
    /** VIR_MIGRATE_PARAM_PERSIST_XML. */
    PERSISTENT_XML("persistent_xml", Type.STRING),
    /** VIR_MIGRATE_PARAM_DISKS_URI. */
    DISKS_URI("disks_uri", Type.STRING),
    /** VIR_MIGRATE_PARAM_BANDWIDTH, MiB/s; 0 lets libvirt choose. */
    BANDWIDTH("bandwidth", Type.ULLONG),
    /** VIR_MIGRATE_PARAM_BANDWIDTH_POSTCOPY, MiB/s; 0 means unlimited. */
    BANDWIDTH_POSTCOPY("bandwidth.postcopy", Type.ULLONG),
    /** VIR_MIGRATE_PARAM_PARALLEL_CONNECTIONS, with the PARALLEL flag (multifd). */
    PARALLEL_CONNECTIONS("parallel.connections", Type.INT, 1, 16, "^([1-9]|1[0-6])$"),
    /** VIR_MIGRATE_PARAM_DISKS_PORT; 0 lets libvirt choose. */
    DISKS_PORT("disks_port", Type.INT, 0, 65_535,
            "^(0|[1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$"),
    /** VIR_MIGRATE_PARAM_AUTO_CONVERGE_INITIAL, percent (QEMU accepts 1 to 99). */
    AUTO_CONVERGE_INITIAL("auto_converge.initial", Type.INT, 1, 99, "^[1-9][0-9]?$"),
    /** VIR_MIGRATE_PARAM_AUTO_CONVERGE_INCREMENT, percent (QEMU accepts 1 to 99). */
    AUTO_CONVERGE_INCREMENT("auto_converge.increment", Type.INT, 1, 99, "^[1-9][0-9]?$");

    /** libvirt's typed-parameter types that virtgate uses (VIR_TYPED_PARAM_STRING, _ULLONG, _INT). */
    public enum Type {
        STRING, ULLONG, INT
    }

    /** Longest string value. */
    public static final int MAX_STRING_LENGTH = 512;
    /** Largest unsigned long long virtgate sends: below 10^18, so it fits libvirt-java's signed long. */
    public static final long MAX_ULLONG = 999_999_999_999_999_999L;
    static final String STRING_PATTERN = "^[^\\u0000]{1," + MAX_STRING_LENGTH + "}$";
    static final String ULLONG_PATTERN = "^(0|[1-9][0-9]{0,17})$";

    private final String libvirtName;
    private final Type type;
    private final long min;
    private final long max;
    private final String valuePattern;
    private final Pattern compiled;

    MigrationParameter(String libvirtName, Type type) {
        this(libvirtName, type, 0, type == Type.ULLONG ? MAX_ULLONG : 0,
                type == Type.ULLONG ? ULLONG_PATTERN : STRING_PATTERN);
    }

    MigrationParameter(String libvirtName, Type type, long min, long max, String valuePattern) {
        this.libvirtName = libvirtName;
        this.type = type;
        this.min = min;
        this.max = max;
        this.valuePattern = valuePattern;
        this.compiled = Pattern.compile(valuePattern);
    }

    /** libvirt's name, as sent in the event and to virDomainMigrateToURI3. */
    public String libvirtName() {
        return libvirtName;
    }

    public Type type() {
        return type;
    }

    /** Smallest accepted number (numeric types; 0 for strings). */
    public long min() {
        return min;
    }

    /** Largest accepted number (numeric types; 0 for strings). */
    public long max() {
        return max;
    }

    /** The whole value must match this; the JSON Schema gives the value the same pattern. */
    public String valuePattern() {
        return valuePattern;
    }

    /** The parameter libvirt knows by this name, if virtgate uses it. */
    public static Optional<MigrationParameter> byLibvirtName(String name) {
        return Arrays.stream(values()).filter(p -> p.libvirtName.equals(name)).findFirst();
    }

    /** Like {@link #byLibvirtName(String)}, but an unknown name is refused. */
    public static MigrationParameter require(String name) {
        return byLibvirtName(name).orElseThrow(() -> new InvalidMigrationParameterException(name,
                "unsupported migration parameter " + InvalidMigrationParameterException.printable(name)));
    }

    /** Every libvirt name, in declaration order. */
    public static Set<String> libvirtNames() {
        Set<String> names = new LinkedHashSet<>();
        for (MigrationParameter p : values()) {
            names.add(p.libvirtName);
        }
        return names;
    }

    /** Returns the value if libvirt accepts it for this parameter, else refuses it. */
    public String validate(String value) {
        if (value == null) {
            throw invalid("has no value");
        }
        if (type == Type.STRING) {
            if (!compiled.matcher(value).matches()) {
                throw invalid("must be 1 to " + MAX_STRING_LENGTH + " characters without NUL");
            }
        } else if (!compiled.matcher(value).matches() || Long.parseLong(value) < min || Long.parseLong(value) > max) {
            throw invalid("must be a whole number from " + min + " to " + max);
        }
        return value;
    }

    /** The number a numeric parameter's value stands for, once validated. */
    public long number(String value) {
        if (type == Type.STRING) {
            throw new IllegalStateException(libvirtName + " is a string parameter");
        }
        return Long.parseLong(validate(value));
    }

    private InvalidMigrationParameterException invalid(String reason) {
        return new InvalidMigrationParameterException(libvirtName, "migration parameter " + libvirtName + " " + reason);
    }
}
