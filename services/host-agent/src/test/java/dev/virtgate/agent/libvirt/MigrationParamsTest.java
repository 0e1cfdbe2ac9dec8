package dev.virtgate.agent.libvirt;

import org.junit.jupiter.api.Test;
import org.libvirt.TypedParameter;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class MigrationParamsTest {

    @Test
    void noParametersStillGiveLibvirtJavaANonEmptyArray() {
        TypedParameter[] p = MigrationRunner.nonEmpty(MigrationRunner.params(Map.of()), "vg-guest");
        assertThat(p).hasSize(1);
        assertThat(p[0].field).isEqualTo("destination_name");
        assertThat(p[0].getValueAsString()).isEqualTo("vg-guest");
    }

    @Test
    void givenParametersArePassedUnchanged() {
        TypedParameter[] given = MigrationRunner.params(Map.of("bandwidth", "100"));
        assertThat(MigrationRunner.nonEmpty(given, "vg-guest")).isSameAs(given);
    }

    @Test
    void probesNameTheirOwnAuthFile() {
        assertThat(LibvirtClient.withAuthFile("qemu+tcp://h:16509/system", Path.of("/s/p/a.conf")))
                .isEqualTo("qemu+tcp://h:16509/system?authfile=/s/p/a.conf");
        assertThat(LibvirtClient.withAuthFile("qemu+tls://h/system?pkipath=/d", Path.of("/a")))
                .isEqualTo("qemu+tls://h/system?pkipath=/d&authfile=/a");
    }
}
