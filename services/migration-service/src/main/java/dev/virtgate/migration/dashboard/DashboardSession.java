package dev.virtgate.migration.dashboard;

import jakarta.ws.rs.core.NewCookie;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;

/**
 * The dashboard's session: the operator's own JWT, kept in an HttpOnly, SameSite=Strict cookie limited to
 * {@code /dashboard} (so the API under {@code /v1} never sees it), Secure when the page came over HTTPS.
 * smallrye-jwt reads the cookie ({@code mp.jwt.token.cookie}); the API keeps the Authorization header.
 *
 * <p>Actions are also protected by a double-submit check: the page carries {@link #csrfToken}, a hash of the
 * cookie's token, which htmx sends back in {@value #CSRF_HEADER}. Another site can neither send the cookie
 * (SameSite=Strict) nor read the page to learn the hash, nor set a custom header without a CORS preflight.
 */
public final class DashboardSession {
    public static final String COOKIE = "virtgate_dashboard";
    public static final String PATH = "/dashboard";
    public static final String CSRF_HEADER = "X-CSRF-Token";

    public static NewCookie open(String jwt, Instant expiresAt, boolean https) {
        long maxAge = Math.max(0, Duration.between(Instant.now(), expiresAt).toSeconds());
        return cookie(jwt, (int) Math.min(Integer.MAX_VALUE, maxAge), https);
    }

    public static NewCookie close(boolean https) {
        return cookie("", 0, https);
    }

    /** What the page must send back with an action: unguessable without the cookie's token. */
    public static String csrfToken(String jwt) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256")
                    .digest(("virtgate-dashboard-csrf\n" + jwt).getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(hash);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** True only when the session cookie is present and the header carries its token. */
    public static boolean csrfValid(String cookieJwt, String headerToken) {
        if (cookieJwt == null || cookieJwt.isEmpty() || headerToken == null) {
            return false;
        }
        return MessageDigest.isEqual(csrfToken(cookieJwt).getBytes(StandardCharsets.US_ASCII),
                headerToken.getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * Whether a form POST without a session (sign-in, sign-out) comes from the dashboard's own page:
     * a browser names a cross-site request in {@code Sec-Fetch-Site} and its page in {@code Origin}.
     * Refusing the others stops a hostile site from signing a browser in as the site's own user.
     * Clients that send neither (curl, scripts) are not browsers under attack and pass.
     */
    public static boolean sameOrigin(String fetchSite, String origin, URI request) {
        if (fetchSite != null && !fetchSite.equals("same-origin") && !fetchSite.equals("none")) {
            return false;
        }
        if (origin == null) {
            return true;
        }
        String own = request.getScheme() + "://" + request.getAuthority();
        return origin.equalsIgnoreCase(own);
    }

    private static NewCookie cookie(String value, int maxAge, boolean https) {
        return new NewCookie.Builder(COOKIE).value(value).path(PATH).maxAge(maxAge).httpOnly(true).secure(https)
                .sameSite(NewCookie.SameSite.STRICT).build();
    }

    private DashboardSession() {
    }
}
