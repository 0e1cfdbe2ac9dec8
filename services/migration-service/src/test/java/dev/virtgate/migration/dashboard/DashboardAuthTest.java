package dev.virtgate.migration.dashboard;

import dev.virtgate.migration.Fleet;
import dev.virtgate.testsupport.TestTokens;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.nullValue;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;

/**
 * The dashboard's authentication: the same JWTs and roles as the API, carried by a cookie; actions need the
 * operator role and the page's CSRF token.
 */
@QuarkusTest
class DashboardAuthTest {

    @Test
    void anonymousVisitorsAreSentToSignInAndSectionsAre401() {
        given().redirects().follow(false).get("/dashboard").then().statusCode(303)
                .header("Location", containsString("/dashboard/signin"));
        given().get("/dashboard/signin").then().statusCode(200).contentType(ContentType.HTML)
                .body(containsString("name=\"token\""));
        given().get("/dashboard/sections/hosts").then().statusCode(401);
        given().post("/dashboard/actions/migrations/m-1/cancel").then().statusCode(401);
        given().get("/webjars/htmx.org/2.0.4/dist/htmx.min.js").then().statusCode(200);
    }

    @Test
    void signInKeepsTheTokenInAStrictHttpOnlyCookieForTheDashboardOnly() {
        Response signedIn = signIn(Fleet.VIEWER);
        signedIn.then().statusCode(303).header("Location", containsString("/dashboard"));
        String setCookie = signedIn.getHeader("Set-Cookie");
        assertThat(setCookie).contains(DashboardSession.COOKIE + "=" + Fleet.VIEWER).contains("Path=/dashboard")
                .containsIgnoringCase("HttpOnly").containsIgnoringCase("SameSite=Strict")
                .doesNotContainIgnoringCase("Secure"); // plain HTTP here; Secure over HTTPS
        given().cookie(DashboardSession.COOKIE, Fleet.VIEWER).get("/dashboard").then().statusCode(200)
                .body(containsString("bob (viewer)"), containsString(DashboardSession.csrfToken(Fleet.VIEWER)));
        given().cookie(DashboardSession.COOKIE, Fleet.VIEWER).get("/dashboard/sections/audit").then().statusCode(200)
                .body(containsString("Audit trail"));
        // the API keeps taking the Authorization header
        Fleet.viewer().get("/v1/hosts").then().statusCode(200);
    }

    @Test
    void aSignInPostedFromAnotherSiteIsRefused() {
        given().redirects().follow(false).contentType(ContentType.URLENC).formParam("token", Fleet.VIEWER)
                .header("Origin", "https://evil.example").post("/dashboard/signin").then().statusCode(403)
                .header("Set-Cookie", nullValue());
        given().redirects().follow(false).contentType(ContentType.URLENC).formParam("token", Fleet.VIEWER)
                .header("Sec-Fetch-Site", "cross-site").post("/dashboard/signin").then().statusCode(403);
        given().redirects().follow(false).header("Origin", "https://evil.example").post("/dashboard/signout").then()
                .statusCode(403);
        // the dashboard's own page: same origin
        given().redirects().follow(false).contentType(ContentType.URLENC).formParam("token", Fleet.VIEWER)
                .header("Sec-Fetch-Site", "same-origin").header("Origin", RestAssured.baseURI + ":" + RestAssured.port)
                .post("/dashboard/signin").then().statusCode(303);
    }

    @Test
    void aBadTokenIsRefusedWithoutEchoingIt() {
        signIn("not-a-jwt").then().statusCode(401).body(containsString("token: not a valid virtgate token"),
                not(containsString("not-a-jwt")));
        signIn(TestTokens.token("mallory", "auditor")).then().statusCode(401)
                .body(containsString("neither the viewer nor the operator role"));
        signIn("").then().statusCode(401).body(containsString("token: paste the token"));
    }

    @Test
    void anInvalidSessionCookieClearsItselfAndLeadsToSignIn() {
        String forged = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJldmUiLCJncm91cHMiOlsib3BlcmF0b3IiXX0.";
        Response page = given().redirects().follow(false).cookie(DashboardSession.COOKIE, forged).get("/dashboard");
        page.then().statusCode(303).header("Location", containsString("/dashboard/signin?expired"));
        assertThat(page.getHeader("Set-Cookie")).contains(DashboardSession.COOKIE + "=").containsIgnoringCase("Max-Age=0");
        given().cookie(DashboardSession.COOKIE, forged).header("HX-Request", "true").get("/dashboard/sections/hosts")
                .then().statusCode(401).header("HX-Redirect", containsString("/dashboard/signin"))
                .body(containsString("sign in again"));
        // the API's answer is unchanged
        given().auth().oauth2(forged).get("/v1/hosts").then().statusCode(401);
    }

    @Test
    void onlyAnOperatorWithThePageCsrfTokenCancels() {
        Fleet.Host a = Fleet.register("dash-auth-c");
        Fleet.Host b = Fleet.register("dash-auth-c");
        Fleet.makeTlsReady(a, true);
        Fleet.makeTlsReady(b, true);
        String id = Fleet.operator().body(Fleet.migration("vm-dash-auth", a, b)).post("/v1/migrations").then()
                .statusCode(202).extract().path("id");
        String cancel = "/dashboard/actions/migrations/" + id + "/cancel";

        given().cookie(DashboardSession.COOKIE, Fleet.VIEWER)
                .header(DashboardSession.CSRF_HEADER, DashboardSession.csrfToken(Fleet.VIEWER)).post(cancel).then()
                .statusCode(403);
        given().cookie(DashboardSession.COOKIE, Fleet.OPERATOR).post(cancel).then().statusCode(403)
                .body(containsString(DashboardSession.CSRF_HEADER + " missing or wrong"));
        given().cookie(DashboardSession.COOKIE, Fleet.OPERATOR).header(DashboardSession.CSRF_HEADER, "forged").post(cancel)
                .then().statusCode(403);
        // a bearer token without the session cookie (another site's script cannot read the page's token)
        given().auth().oauth2(Fleet.OPERATOR).header(DashboardSession.CSRF_HEADER,
                DashboardSession.csrfToken(Fleet.OPERATOR)).post(cancel).then().statusCode(403);
        Fleet.viewer().get("/v1/migrations/" + id).then().body(not(containsString("cancelRequestedAt")));

        given().cookie(DashboardSession.COOKIE, Fleet.OPERATOR)
                .header(DashboardSession.CSRF_HEADER, DashboardSession.csrfToken(Fleet.OPERATOR)).post(cancel).then()
                .statusCode(200).body(containsString("Cancellation of " + id));
        Fleet.viewer().get("/v1/migrations/" + id).then().body(containsString("cancelRequestedAt"));
        Fleet.viewer().get("/v1/audit?action=migration.cancel&actor=alice").then().statusCode(200)
                .body(containsString(id));
    }

    private static Response signIn(String token) {
        return given().redirects().follow(false).contentType(ContentType.URLENC).formParam("token", token)
                .post("/dashboard/signin");
    }
}
