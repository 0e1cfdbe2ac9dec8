package dev.virtgate.agent.messaging;

import dev.virtgate.agent.pki.Pem;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** The PEM file of the CA that signed the broker's HOSTS listener; without it the agent does not start. */
public final class BusCaFile {
    static final String SETTING = "virtgate.agent.bus.ca-file (VIRTGATE_AGENT_BUS_CA_FILE)";

    private BusCaFile() {
    }

    public static String read(String file) {
        String pem;
        try {
            pem = Files.readString(Path.of(file), StandardCharsets.US_ASCII);
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException(SETTING + ": cannot read the bus CA file " + file + " ("
                    + e.getClass().getSimpleName() + ")");
        }
        try {
            if (Pem.certificates(pem).isEmpty()) {
                throw new IllegalArgumentException("no certificate");
            }
        } catch (RuntimeException e) {
            throw new IllegalStateException(SETTING + ": no PEM certificate in the bus CA file " + file);
        }
        return pem;
    }
}
