package dev.virtgate.agent.enroll;

import dev.virtgate.agent.pki.Pem;
import dev.virtgate.contracts.trust.EventSignatures;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The first-run check of {@code virtgate-agent enroll}: pki-service's current CA certificate
 * ({@code GET /v1/ca}, its first certificate) must have the SHA-256 the operator's enrollment bundle
 * pins (like kubeadm's {@code --discovery-token-ca-cert-hash}). The pin, not the transport,
 * authenticates the CA: over https the server's certificate is checked by the JVM's trust store as
 * usual, and plain http is fine because a CA that does not hash to the pin is refused.
 */
public final class CaPin {
    private static final Pattern PIN = Pattern.compile("^sha256:[0-9a-f]{64}$");

    private final String pin;

    /** {@code sha256:<64 hex>} (upper-case hex accepted); anything else is refused naming {@code field}. */
    public CaPin(String field, String pin) {
        String normalized = pin == null ? "" : pin.trim().toLowerCase(Locale.ROOT);
        if (!PIN.matcher(normalized).matches()) {
            throw new EnrollRefused(field + ": not sha256:<64 hex digits>");
        }
        this.pin = normalized;
    }

    public String value() {
        return pin;
    }

    /** The CA certificate pki-service at {@code server} serves, once it matches the pin. */
    public X509Certificate fetchAndCheck(URI server, Duration timeout) {
        X509Certificate ca = fetch(caUrl(server), timeout);
        String actual = EventSignatures.fingerprint(ca);
        if (!matches(actual)) {
            throw new EnrollRefused("the CA certificate at " + caUrl(server) + " is " + actual
                    + ", not the --ca-hash of the enrollment bundle: refusing to enroll, nothing written");
        }
        return ca;
    }

    /** Constant time over the full length: how much of the pin matched does not show in the timing. */
    boolean matches(String fingerprint) {
        return MessageDigest.isEqual(pin.getBytes(StandardCharsets.US_ASCII),
                fingerprint.getBytes(StandardCharsets.US_ASCII));
    }

    static URI caUrl(URI server) {
        String base = server.toString();
        return URI.create((base.endsWith("/") ? base : base + "/") + "v1/ca");
    }

    private static X509Certificate fetch(URI url, Duration timeout) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NEVER).build();
        HttpRequest get = HttpRequest.newBuilder(url).timeout(timeout)
                .header("Accept", "application/x-pem-file").GET().build();
        HttpResponse<String> response;
        try {
            response = http.send(get, HttpResponse.BodyHandlers.ofString(StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw new EnrollRefused("cannot fetch the CA certificate from " + url + ": " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : " " + e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EnrollRefused("interrupted while fetching " + url);
        }
        if (response.statusCode() != 200) {
            throw new EnrollRefused(url + " answered HTTP " + response.statusCode() + ", not the CA certificate");
        }
        List<X509Certificate> certificates;
        try {
            certificates = Pem.certificates(response.body());
        } catch (RuntimeException e) {
            throw new EnrollRefused(url + " did not answer a PEM certificate");
        }
        if (certificates.isEmpty()) {
            throw new EnrollRefused(url + " did not answer a PEM certificate");
        }
        return certificates.get(0);
    }
}
