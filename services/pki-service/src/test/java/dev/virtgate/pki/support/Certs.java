package dev.virtgate.pki.support;

import dev.virtgate.pki.pki.Pem;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Independent verifiers: the real openssl binary on files, and Java's PKIX validator. */
public final class Certs {

    public record Result(int exitCode, String output) {
        public boolean ok() {
            return exitCode == 0;
        }
    }

    public static Result openssl(String... args) {
        try {
            ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(List.of(args))).redirectErrorStream(true);
            pb.command().add(0, "openssl");
            Process process = pb.start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return new Result(process.waitFor(), output);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static Path file(String content) {
        try {
            Path path = Files.createTempFile("pki-test", ".pem");
            Files.writeString(path, content);
            path.toFile().deleteOnExit();
            return path;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code openssl verify -CAfile <bundle> [-crl_check -CRLfile crl] cert}. */
    public static Result opensslVerify(String caPems, String certPem, String crlPem) {
        List<String> args = new ArrayList<>(List.of("verify", "-purpose", "sslserver", "-CAfile", file(caPems).toString()));
        if (crlPem != null) {
            args.addAll(List.of("-crl_check", "-CRLfile", file(crlPem).toString()));
        }
        args.add(file(certPem).toString());
        return openssl(args.toArray(String[]::new));
    }

    public static List<X509Certificate> parseAll(String pems) {
        try {
            Collection<? extends java.security.cert.Certificate> certs = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(pems.getBytes(StandardCharsets.US_ASCII)));
            return certs.stream().map(c -> (X509Certificate) c).toList();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Java's PKIX validator; throws if the path does not validate. */
    public static void pkixValidate(String caPems, String certPem) throws Exception {
        Set<TrustAnchor> anchors = new HashSet<>();
        parseAll(caPems).forEach(ca -> anchors.add(new TrustAnchor(ca, null)));
        PKIXParameters params = new PKIXParameters(anchors);
        params.setRevocationEnabled(false);
        CertificateFactory factory = CertificateFactory.getInstance("X.509");
        CertPathValidator.getInstance("PKIX").validate(factory.generateCertPath(List.of(Pem.x509(certPem))), params);
    }

    private Certs() {
    }
}
