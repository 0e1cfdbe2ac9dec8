package dev.virtgate.agent.libvirt;

import dev.virtgate.contracts.migration.MigrationParameter;
import dev.virtgate.contracts.migration.MigrationParameters;
import org.libvirt.Domain;
import org.libvirt.TypedIntParameter;
import org.libvirt.TypedParameter;
import org.libvirt.TypedStringParameter;
import org.libvirt.TypedUlongParameter;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** A migration command's flags and parameters as libvirt's migrateToURI3 takes them; what libvirt would refuse is refused here. */
public final class MigrationArguments {

    private MigrationArguments() {
    }

    /** Flags by libvirt-java name (LIVE, PEER2PEER, TLS, TUNNELLED ...); unknown names are refused. */
    public static int flags(List<String> names) {
        int flags = 0;
        for (String name : names) {
            String n = name.toUpperCase(Locale.ROOT).replace("VIR_MIGRATE_", "");
            if (n.equals("TUNNELLED")) {
                n = "TUNNELED";
            }
            try {
                flags |= Domain.MigrateFlags.class.getField(n).getInt(null);
            } catch (ReflectiveOperationException e) {
                throw new IllegalArgumentException("unknown migration flag " + name.replaceAll("[^A-Za-z0-9_]", "?"));
            }
        }
        return flags;
    }

    /**
     * The command's parameters as libvirt typed parameters, each of the type {@link MigrationParameter}
     * gives its name. A name it does not know ("unsupported migration parameter ...") or a value not
     * of its type is refused here, before libvirt is called.
     */
    public static TypedParameter[] params(Map<String, String> params) {
        List<TypedParameter> out = new ArrayList<>();
        MigrationParameters.fromWire(params).values().forEach((p, v) -> out.add(typed(p, v)));
        return out.toArray(TypedParameter[]::new);
    }

    /**
     * Refuses, before libvirt is called, the combinations libvirt would refuse: PARALLEL (multifd runs
     * over QEMU's own connections) with TUNNELLED (the memory inside libvirtd's connection), and a
     * {@code parallel.connections} without PARALLEL.
     */
    public static void checkCombination(int flags, Map<String, String> params) {
        boolean parallel = (flags & Domain.MigrateFlags.PARALLEL) != 0;
        if (parallel && (flags & Domain.MigrateFlags.TUNNELED) != 0) {
            throw new IllegalArgumentException("migration flag PARALLEL cannot be combined with TUNNELLED");
        }
        if (!parallel && params.containsKey(MigrationParameter.PARALLEL_CONNECTIONS.libvirtName())) {
            throw new IllegalArgumentException("migration parameter "
                    + MigrationParameter.PARALLEL_CONNECTIONS.libvirtName() + " needs the PARALLEL flag");
        }
    }

    /**
     * libvirt-java cannot marshal an empty typed-parameter array (index 0 of a 0-length JNA array);
     * the guest's own name as destination_name changes nothing and keeps the array non-empty.
     */
    static TypedParameter[] nonEmpty(TypedParameter[] params, String vmName) {
        return params.length > 0 ? params
                : new TypedParameter[] {typed(MigrationParameter.DESTINATION_NAME, vmName)};
    }

    private static TypedParameter typed(MigrationParameter p, String value) {
        return switch (p.type()) {
            case STRING -> new TypedStringParameter(p.libvirtName(), value);
            case ULLONG -> new TypedUlongParameter(p.libvirtName(), p.number(value));
            case INT -> new TypedIntParameter(p.libvirtName(), Math.toIntExact(p.number(value)));
        };
    }
}
