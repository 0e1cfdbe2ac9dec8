package dev.virtgate.contracts.migration;

import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A validated set of libvirt migration parameters, keyed by {@link MigrationParameter}: the only
 * way virtgate produces {@code MigrationRequested.parameters} ({@link #toWire()}) and the only way
 * the agent reads them ({@link #fromWire(Map)}). Immutable; {@code with} returns a copy.
 */
public final class MigrationParameters {
    private static final MigrationParameters NONE = new MigrationParameters(new EnumMap<>(MigrationParameter.class));

    private final Map<MigrationParameter, String> values;

    private MigrationParameters(EnumMap<MigrationParameter, String> values) {
        this.values = Collections.unmodifiableMap(values);
    }

    public static MigrationParameters none() {
        return NONE;
    }

    /** Adds or replaces a parameter; the value is validated for its type. */
    public MigrationParameters with(MigrationParameter parameter, String value) {
        EnumMap<MigrationParameter, String> copy = new EnumMap<>(MigrationParameter.class);
        copy.putAll(values);
        copy.put(parameter, parameter.validate(value));
        return new MigrationParameters(copy);
    }

    /** Adds or replaces a numeric parameter. */
    public MigrationParameters with(MigrationParameter parameter, long value) {
        if (parameter.type() == MigrationParameter.Type.STRING) {
            throw new IllegalArgumentException(parameter.libvirtName() + " is a string parameter");
        }
        return with(parameter, Long.toString(value));
    }

    /**
     * The parameters of an event, by libvirt name. A name outside {@link MigrationParameter} or a
     * value libvirt would not take is refused before anything reaches libvirt.
     */
    public static MigrationParameters fromWire(Map<String, String> wire) {
        MigrationParameters out = NONE;
        if (wire != null) {
            for (Map.Entry<String, String> e : wire.entrySet()) {
                out = out.with(MigrationParameter.require(e.getKey()), e.getValue());
            }
        }
        return out;
    }

    /** The event's form: libvirt name to value, in declaration order, unmodifiable. */
    public Map<String, String> toWire() {
        Map<String, String> wire = new LinkedHashMap<>();
        values.forEach((p, v) -> wire.put(p.libvirtName(), v));
        return Collections.unmodifiableMap(wire);
    }

    /** Parameter to validated value, in declaration order. */
    public Map<MigrationParameter, String> values() {
        return values;
    }

    public boolean isEmpty() {
        return values.isEmpty();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MigrationParameters other && values.equals(other.values);
    }

    @Override
    public int hashCode() {
        return values.hashCode();
    }

    @Override
    public String toString() {
        return "MigrationParameters" + values.keySet();
    }
}
