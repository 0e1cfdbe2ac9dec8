package dev.virtgate.migration.service;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

/**
 * The roles of an API client certificate, by the mapping the HTTPS listener applies
 * ({@code quarkus.http.auth.certificate-role-attribute=SAN_URI} with the properties file of
 * {@code quarkus.http.auth.certificate-role-properties}): each URI SAN looked up, values split at
 * commas. Used where a certificate arrives without a TLS handshake (a signed cloud request).
 */
@ApplicationScoped
public class CertificateRoles {
    private static final int URI_SAN = 6;
    private final Properties mapping = new Properties();

    CertificateRoles(@ConfigProperty(name = "quarkus.http.auth.certificate-role-properties") String file) {
        try (InputStream in = Thread.currentThread().getContextClassLoader().getResourceAsStream(file)) {
            if (in == null) {
                throw new IllegalStateException("certificate role mapping " + file + " not on the class path");
            }
            mapping.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Set<String> of(X509Certificate certificate) {
        Set<String> roles = new TreeSet<>();
        try {
            Collection<List<?>> names = certificate.getSubjectAlternativeNames();
            if (names != null) {
                for (List<?> name : names) {
                    if (Integer.valueOf(URI_SAN).equals(name.get(0)) && name.get(1) instanceof String uri) {
                        String mapped = mapping.getProperty(uri);
                        if (mapped != null) {
                            for (String role : mapped.split(",")) {
                                roles.add(role.trim());
                            }
                        }
                    }
                }
            }
        } catch (CertificateParsingException e) {
            return Set.of();
        }
        return roles;
    }
}
