package dev.virtgate.e2e.lab;

import dev.virtgate.testsupport.Workspace;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link UnitLaunch} over the package's own unit and agent.env as {@code enroll} writes it. */
class UnitLaunchTest {
    static final String ENV = """
            # virtgate host agent, written by virtgate-agent enroll
            VIRTGATE_AGENT_HOST_ID="kvm-a"
            VIRTGATE_BUS_PASSWORD="p\\"w\\\\d"
            VIRTGATE_AGENT_CDS_ARCHIVE="/elsewhere.jsa"
            """;

    @Test
    void theUnitsExecStartWithItsEnvironmentThenTheEnvironmentFile() throws Exception {
        String unit = Files.readString(Workspace.repositoryRoot().resolve("services/host-agent/src/deb/systemd/virtgate-agent.service"));
        String dropIn = "[Service]\nEnvironment=QUARKUS_PROFILE=lab \"A=b c\"\n";

        UnitLaunch launch = UnitLaunch.of(List.of(unit, dropIn), ENV);

        assertThat(launch.command).containsExactly("/usr/bin/virtgate-agent", "-Djna.tmpdir=/tmp");
        assertThat(launch.environmentFile).isEqualTo("/etc/virtgate/agent.env");
        assertThat(launch.environment).containsEntry("PATH", UnitLaunch.PATH)
                .containsEntry("VIRTGATE_AGENT_LIBVIRTD_RESTART_COMMAND", "systemctl,restart,libvirtd.service")
                .containsEntry("QUARKUS_PROFILE", "lab").containsEntry("A", "b c") // the drop-in after the unit
                .containsEntry("VIRTGATE_AGENT_HOST_ID", "kvm-a")
                .containsEntry("VIRTGATE_BUS_PASSWORD", "p\"w\\d")
                .containsEntry("VIRTGATE_AGENT_CDS_ARCHIVE", "/elsewhere.jsa"); // the file overrides Environment=
    }

    @Test
    void whatItCannotReadAsSystemdWouldIsRefused() {
        String unit = "[Service]\nExecStart=/usr/bin/x\nEnvironmentFile=/e\n";
        assertThatThrownBy(() -> UnitLaunch.of(List.of(unit), "A='single'\n")).hasMessageContaining("quoting for A");
        assertThatThrownBy(() -> UnitLaunch.of(List.of("[Service]\nExecStart=-/usr/bin/x\n"), ""))
                .hasMessageContaining("ExecStart");
        assertThatThrownBy(() -> UnitLaunch.of(List.of("[Service]\nExecStart=/usr/bin/x $HOME\n"), ""))
                .hasMessageContaining("ExecStart");
    }
}
