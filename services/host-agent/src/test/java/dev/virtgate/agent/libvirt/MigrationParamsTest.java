package dev.virtgate.agent.libvirt;

import dev.virtgate.contracts.Event;
import dev.virtgate.contracts.EventCodec;
import dev.virtgate.contracts.events.MigrationFailed;
import dev.virtgate.contracts.events.MigrationMode;
import dev.virtgate.contracts.events.MigrationRequested;
import dev.virtgate.contracts.migration.MigrationParameter;
import org.junit.jupiter.api.Test;
import org.libvirt.Domain;
import org.libvirt.TypedParameter;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MigrationParamsTest {
    /** libvirt's virTypedParameterType numbers, as libvirt-java sends them. */
    private static final Map<MigrationParameter.Type, Integer> VIR_TYPED_PARAM = Map.of(
            MigrationParameter.Type.INT, 1, MigrationParameter.Type.ULLONG, 4, MigrationParameter.Type.STRING, 7);

    @Test
    void noParametersStillGiveLibvirtJavaANonEmptyArray() {
        TypedParameter[] p = MigrationArguments.nonEmpty(MigrationArguments.params(Map.of()), "vg-guest");
        assertThat(p).hasSize(1);
        assertThat(p[0].field).isEqualTo("destination_name");
        assertThat(p[0].getValueAsString()).isEqualTo("vg-guest");
    }

    @Test
    void givenParametersArePassedUnchanged() {
        TypedParameter[] given = MigrationArguments.params(Map.of("bandwidth", "100"));
        assertThat(MigrationArguments.nonEmpty(given, "vg-guest")).isSameAs(given);
    }

    /**
     * What migration-service's Negotiator sends for a destination registered with a migration address
     * (NegotiatorTest pins the same names), read back from the bus as the agent reads it: libvirt
     * gets migrate_uri and tls.destination as strings, bandwidth as an unsigned long long.
     */
    @Test
    void aCommandOverTheMigrationNetworkIsAccepted() {
        Map<String, String> negotiated = new LinkedHashMap<>();
        negotiated.put("migrate_uri", "tcp://10.78.0.2");
        negotiated.put("tls.destination", "h2.lab.virtgate.test");
        negotiated.put("bandwidth", "500");
        EventCodec codec = new EventCodec();
        MigrationRequested received = codec.decode(MigrationRequested.class, codec.encode(command(negotiated)));

        TypedParameter[] params = MigrationArguments.params(received.parameters());

        assertThat(params).extracting(p -> p.field).containsExactly("migrate_uri", "tls.destination", "bandwidth");
        assertThat(params).extracting(TypedParameter::getValueAsString)
                .containsExactly("tcp://10.78.0.2", "h2.lab.virtgate.test", "500");
        assertThat(params).extracting(TypedParameter::getTypeAsString)
                .containsExactly("VIR_TYPED_PARAM_STRING", "VIR_TYPED_PARAM_STRING", "VIR_TYPED_PARAM_ULLONG");
        assertThat(MigrationArguments.nonEmpty(params, "vg-guest")).isSameAs(params);
    }

    @Test
    void everyParameterGoesToLibvirtWithItsOwnNameAndType() {
        for (MigrationParameter p : MigrationParameter.values()) {
            String value = switch (p.type()) {
                case STRING -> "x";
                case ULLONG -> "123";
                case INT -> Long.toString(p.max());
            };
            TypedParameter[] typed = MigrationArguments.params(Map.of(p.libvirtName(), value));
            assertThat(typed).as(p.name()).hasSize(1);
            assertThat(typed[0].field).isEqualTo(p.libvirtName());
            assertThat(typed[0].getType()).as(p.name()).isEqualTo(VIR_TYPED_PARAM.get(p.type()));
            assertThat(typed[0].getValueAsString()).isEqualTo(value);
        }
    }

    @Test
    void anUnknownNameIsRefusedBeforeLibvirtIsCalled() {
        assertThatThrownBy(() -> MigrationArguments.params(Map.of("tls_destination", "h2.lab.virtgate.test")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unsupported migration parameter tls_destination");
        assertThatThrownBy(() -> MigrationArguments.params(Map.of("parallel.connections", "17")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("migration parameter parallel.connections must be a whole number from 1 to 16");

        // the runner answers with MigrationFailed at once; there is no libvirtd at this URI to call
        List<Event> published = new ArrayList<>();
        MigrationRunner runner = new MigrationRunner("qemu+tcp://127.0.0.1:1/system", "h1", published::add,
                new ReentrantReadWriteLock());
        runner.start(command(Map.of("tls_destination", "h2.lab.virtgate.test")));
        assertThat(published).singleElement().isInstanceOfSatisfying(MigrationFailed.class, f -> {
            assertThat(f.reason()).isEqualTo("unsupported migration parameter tls_destination");
            assertThat(f.cancelled()).isFalse();
        });
        assertThat(runner.runningCount()).isZero();
    }

    @Test
    void parallelReachesLibvirtAsVirMigrateParallelWithItsConnectionCount() {
        assertThat(MigrationArguments.flags(List.of("LIVE", "PEER2PEER", "TLS", "PARALLEL")))
                .isEqualTo(Domain.MigrateFlags.LIVE | Domain.MigrateFlags.PEER2PEER | Domain.MigrateFlags.TLS
                        | Domain.MigrateFlags.PARALLEL);
        TypedParameter[] params = MigrationArguments.params(Map.of("parallel.connections", "4"));
        assertThat(params).singleElement().satisfies(p -> {
            assertThat(p.field).isEqualTo("parallel.connections");
            assertThat(p.getTypeAsString()).isEqualTo("VIR_TYPED_PARAM_INT");
            assertThat(p.getValueAsString()).isEqualTo("4");
        });
        MigrationArguments.checkCombination(MigrationArguments.flags(List.of("LIVE", "TLS", "PARALLEL")),
                Map.of("parallel.connections", "4"));
    }

    /** libvirt forbids multifd inside its tunnel; the agent refuses the command without calling it. */
    @Test
    void parallelWithTunnelledIsRefusedBeforeLibvirtIsCalled() {
        List<Event> published = new ArrayList<>();
        MigrationRunner runner = new MigrationRunner("qemu+tcp://127.0.0.1:1/system", "h1", published::add,
                new ReentrantReadWriteLock());
        runner.start(command(List.of("LIVE", "PEER2PEER", "TUNNELLED", "PARALLEL"), Map.of("parallel.connections", "2")));
        runner.start(command(List.of("LIVE", "PEER2PEER", "TLS"), Map.of("parallel.connections", "2")));

        assertThat(published).extracting(e -> ((MigrationFailed) e).reason()).containsExactly(
                "migration flag PARALLEL cannot be combined with TUNNELLED",
                "migration parameter parallel.connections needs the PARALLEL flag");
        assertThat(runner.runningCount()).isZero();
    }

    @Test
    void probesNameTheirOwnAuthFile() {
        assertThat(LibvirtClient.withAuthFile("qemu+tcp://h:16509/system", Path.of("/s/p/a.conf")))
                .isEqualTo("qemu+tcp://h:16509/system?authfile=/s/p/a.conf");
        assertThat(LibvirtClient.withAuthFile("qemu+tls://h/system?pkipath=/d", Path.of("/a")))
                .isEqualTo("qemu+tls://h/system?pkipath=/d&authfile=/a");
    }

    private static MigrationRequested command(Map<String, String> parameters) {
        return command(List.of("LIVE", "PEER2PEER", "TLS"), parameters);
    }

    private static MigrationRequested command(List<String> flags, Map<String, String> parameters) {
        Instant now = Instant.now();
        return new MigrationRequested("m-params", "vg-guest", "c1", "h1", "h2", "qemu+tls://h2.lab.virtgate.test/system",
                flags, parameters, MigrationMode.TLS_NATIVE, List.of("test"), "alice",
                now, now.plusSeconds(300), "virtgate-migration-commands", "vault:v1:MEUCIQ==");
    }
}
