package dev.virtgate.migration.dashboard;

import io.quarkus.security.AuthenticationFailedException;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * A dashboard request whose session cookie no longer verifies (the token expired, or the key changed)
 * fails authentication before any resource runs. Instead of an empty 401, the browser gets its cookie
 * cleared and is sent to the sign-in form; an htmx request gets a short message and HX-Redirect.
 * Anything else (the API under /v1 included) keeps Quarkus' own answer.
 */
@ApplicationScoped
public class ExpiredSessionRedirect {
    static final String SIGNIN = DashboardSession.PATH + "/signin?expired";

    void register(@Observes Router router) {
        router.route(DashboardSession.PATH + "*").order(-1000).failureHandler(this::handle);
    }

    private void handle(RoutingContext context) {
        if (!(context.failure() instanceof AuthenticationFailedException) || context.response().ended()
                || context.request().getCookie(DashboardSession.COOKIE) == null) {
            context.next();
            return;
        }
        Cookie cleared = Cookie.cookie(DashboardSession.COOKIE, "").setPath(DashboardSession.PATH).setMaxAge(0)
                .setHttpOnly(true).setSecure(context.request().isSSL()).setSameSite(CookieSameSite.STRICT);
        context.response().addCookie(cleared);
        if (context.request().getHeader("HX-Request") != null) {
            context.response().setStatusCode(401).putHeader("HX-Redirect", SIGNIN)
                    .putHeader("Content-Type", "text/html;charset=UTF-8")
                    .end("<p class=\"error\">Your session has ended: <a href=\"" + SIGNIN + "\">sign in again</a>.</p>");
        } else {
            context.response().setStatusCode(303).putHeader("Location", SIGNIN).end();
        }
    }
}
