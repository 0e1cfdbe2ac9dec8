package dev.virtgate.agent.messaging;

import dev.virtgate.testsupport.trust.TestCa;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The bus CA file: without a readable certificate the agent does not start, and the one line says which setting and file. */
class BusCaFileTest {
    @TempDir
    Path dir;

    @Test
    void aReadablePemCertificateIsTheBusCa() throws IOException {
        String pem = new TestCa("bus-ca").pem();
        Path file = Files.writeString(dir.resolve("bus-ca.pem"), pem);
        assertThat(BusCaFile.read(file.toString())).isEqualTo(pem);
    }

    @Test
    void aMissingFileNamesTheSettingAndThePath() {
        Path missing = dir.resolve("nowhere.pem");
        assertThatThrownBy(() -> BusCaFile.read(missing.toString()))
                .hasMessage("virtgate.agent.bus.ca-file (VIRTGATE_AGENT_BUS_CA_FILE): cannot read the bus CA file "
                        + missing + " (NoSuchFileException)");
    }

    @Test
    void aFileWithoutACertificateNamesTheSettingAndThePath() throws IOException {
        Path garbage = Files.writeString(dir.resolve("bus-ca.pem"), "-----BEGIN NOTHING-----\n");
        assertThatThrownBy(() -> BusCaFile.read(garbage.toString())).hasMessageContaining(
                "virtgate.agent.bus.ca-file (VIRTGATE_AGENT_BUS_CA_FILE): no PEM certificate in the bus CA file " + garbage)
                .hasMessageNotContaining("\n");
    }
}
