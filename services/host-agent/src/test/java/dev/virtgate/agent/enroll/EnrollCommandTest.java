package dev.virtgate.agent.enroll;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code virtgate-agent enroll} against a server that serves a real CA certificate: it writes the
 * agent's environment only when that CA hashes to {@code --ca-hash}, and never prints the token.
 */
class EnrollCommandTest {
    static final String TOKEN = "vgt_enroll_Secret-Token_0123456789abcdef";
    static final String OTHER_CA = "sha256:" + "ab".repeat(32);

    static final dev.virtgate.testsupport.trust.TestCa BUS_CA = new dev.virtgate.testsupport.trust.TestCa("bus-ca");

    @TempDir
    Path dir;
    Path envFile;
    CaServer pki;
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();

    @BeforeEach
    void start() throws IOException {
        pki = new CaServer();
        envFile = dir.resolve("etc/virtgate/agent.env");
    }

    @AfterEach
    void stop() {
        pki.close();
    }

    @Test
    void theMatchingCaWritesTheEnvironmentFileWithMode0600() throws IOException {
        Files.writeString(dir.resolve("bus-password"), "bus_Password_123\n");
        int exit = enroll(pki.fingerprint(), "--bus", "10.0.0.5:9092", "--bus-password-file",
                dir.resolve("bus-password").toString(), "--openbao", "https://bao.example.org:8200");

        assertThat(exit).as(err.toString()).isZero();
        assertThat(Files.getPosixFilePermissions(envFile)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(Files.readAllLines(envFile)).contains(
                "VIRTGATE_AGENT_HOST_ID=\"kvm-a\"",
                "VIRTGATE_AGENT_CLUSTER_ID=\"prod\"",
                "VIRTGATE_AGENT_FQDN=\"kvm-a.example.org\"",
                "VIRTGATE_AGENT_MANAGEMENT_ADDRESS=\"10.0.0.11\"",
                "VIRTGATE_AGENT_ENROLLMENT_TOKEN=\"" + TOKEN + "\"",
                "VIRTGATE_AGENT_CA_FINGERPRINT=\"" + pki.fingerprint() + "\"",
                "KAFKA_BOOTSTRAP_SERVERS=\"10.0.0.5:9092\"",
                "VIRTGATE_BUS_PASSWORD=\"bus_Password_123\"",
                "QUARKUS_VAULT_URL=\"https://bao.example.org:8200\"",
                "VIRTGATE_AGENT_BUS_TLS_BOOTSTRAP_SERVERS=\"10.0.0.5:9093\"",
                "VIRTGATE_AGENT_BUS_CA_FILE=\"" + envFile.resolveSibling("bus-ca.pem") + "\"");
        assertThat(out.toString() + err).doesNotContain(TOKEN).doesNotContain("bus_Password_123");
        // the bus CA, copied next to the environment file: public, readable by all
        Path busCa = envFile.resolveSibling("bus-ca.pem");
        assertThat(Files.readString(busCa)).isEqualTo(BUS_CA.pem());
        assertThat(Files.getPosixFilePermissions(busCa)).isEqualTo(PosixFilePermissions.fromString("rw-r--r--"));
    }

    @Test
    void aBusCaFileWithoutACertificateIsRefusedNamingItsOptionBeforeAnyRequest() throws IOException {
        Files.writeString(dir.resolve("bus-ca.pem"), "not a certificate\n");
        int exit = run(args(pki.fingerprint(), "--bus-tls", "10.0.0.5:9093", "--bus-ca-file",
                dir.resolve("bus-ca.pem").toString()).toArray(String[]::new));

        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).startsWith("virtgate-agent enroll: --bus-ca-file: no PEM certificate in");
        assertThat(pki.requests()).isZero();
        assertThat(dir.resolve("etc")).doesNotExist();
    }

    @Test
    void aBadBusTlsAddressIsRefusedNamingItsOption() {
        int exit = run(args(pki.fingerprint(), "--bus-tls", "10.0.0.5:9093;rm", "--bus-ca-file",
                busCaFile().toString()).toArray(String[]::new));

        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).startsWith("virtgate-agent enroll: --bus-tls: not host:port");
        assertThat(pki.requests()).isZero();
    }

    @Test
    void aCaThatDoesNotMatchTheHashIsRefusedAndNothingIsWritten() throws IOException {
        int exit = enroll(OTHER_CA);

        assertThat(exit).isEqualTo(1);
        assertThat(pki.requests()).isEqualTo(1);
        assertThat(err.toString().lines()).singleElement().asString()
                .contains("refusing to enroll, nothing written").contains(pki.fingerprint());
        assertThat(err.toString()).doesNotContain(TOKEN);
        assertThat(dir.resolve("etc")).doesNotExist();
    }

    @Test
    void aMismatchLeavesAnEarlierEnvironmentFileAsItWas() throws IOException {
        Files.createDirectories(envFile.getParent());
        Files.writeString(envFile, "VIRTGATE_AGENT_HOST_ID=\"before\"\n");

        assertThat(enroll(OTHER_CA)).isEqualTo(1);
        assertThat(Files.readString(envFile)).isEqualTo("VIRTGATE_AGENT_HOST_ID=\"before\"\n");
        try (var files = Files.list(envFile.getParent())) {
            assertThat(files).containsExactly(envFile);
        }
    }

    @Test
    void aBadValueIsRefusedNamingItsOptionBeforeAnyRequest() {
        int exit = run("--server", pki.url(), "--token", TOKEN, "--ca-hash", pki.fingerprint(), "--host-id", "kvm-a",
                "--cluster", "prod", "--fqdn", "kvm-a.example.org\nEVIL=1", "--management-address", "10.0.0.11",
                "--env-file", envFile.toString(), "--bus-tls", "10.0.0.5:9093", "--bus-ca-file", busCaFile().toString());

        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).startsWith("virtgate-agent enroll: --fqdn: not a DNS host name");
        assertThat(pki.requests()).isZero();
        assertThat(dir.resolve("etc")).doesNotExist();
    }

    @Test
    void aMalformedHashIsRefusedBeforeAnyRequest() {
        assertThat(enroll("sha1:abcd")).isEqualTo(1);
        assertThat(err.toString()).contains("--ca-hash: not sha256:<64 hex digits>");
        assertThat(pki.requests()).isZero();
    }

    @Test
    void aUsageErrorNeverEchoesTheToken() {
        int exit = enroll(pki.fingerprint(), TOKEN); // a stray argument: picocli quotes it

        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).contains("Unmatched argument", "<token>").doesNotContain(TOKEN);
        assertThat(pki.requests()).isZero();
    }

    private int enroll(String caHash, String... more) {
        List<String> args = args(caHash, "--bus-tls", "10.0.0.5:9093", "--bus-ca-file", busCaFile().toString());
        args.addAll(List.of(more));
        return run(args.toArray(String[]::new));
    }

    private List<String> args(String caHash, String... more) {
        List<String> args = new ArrayList<>(List.of("--server", pki.url(), "--token", TOKEN, "--ca-hash", caHash,
                "--host-id", "kvm-a", "--cluster", "prod", "--fqdn", "kvm-a.example.org",
                "--management-address", "10.0.0.11", "--env-file", envFile.toString()));
        args.addAll(List.of(more));
        return args;
    }

    private Path busCaFile() {
        Path file = dir.resolve("given-bus-ca.pem");
        try {
            Files.writeString(file, BUS_CA.pem());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return file;
    }

    private int run(String... args) {
        return EnrollCommand.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    }
}
