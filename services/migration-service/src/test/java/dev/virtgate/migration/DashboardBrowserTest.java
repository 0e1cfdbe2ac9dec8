package dev.virtgate.migration;

import dev.virtgate.contracts.events.CheckStatus;
import dev.virtgate.contracts.events.MigrationProgress;
import dev.virtgate.testsupport.PostgresServer;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The fleet dashboard in a real headless Chromium (Debian's chromium and chromium-driver, which
 * {@code ./virtgate install} installs; Selenium is pointed at them and never downloads a driver). The test
 * registers 300 hosts, drives signed agent and pki-service events, and checks what the page shows; then it
 * stops PostgreSQL and checks the page says so. Screenshots: {@code target/screenshots/}.
 */
@QuarkusTest
class DashboardBrowserTest {
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path SCREENSHOTS = Path.of("target", "screenshots");
    static final int FLEET = 300;

    static WebDriver browser;

    @TestHTTPResource("/")
    URL base;

    @BeforeAll
    static void startBrowser() {
        assumeTrue(Files.isExecutable(CHROMEDRIVER) && Files.isExecutable(CHROMIUM),
                "no /usr/bin/chromedriver or /usr/bin/chromium: run ./virtgate install (Debian's chromium, chromium-driver)");
        // An explicit driver and browser: Selenium Manager has nothing to look up or download.
        System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.toString());
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toFile())
                .addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1600,2200");
        browser = new ChromeDriver(service, options);
    }

    @AfterAll
    static void stopBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    @Test
    void theDashboardShowsTheFleetLiveAndSaysWhenTheDatabaseIsDown() throws IOException {
        // 300 hosts in one cluster (paging, a capped matrix), four in another that events make interesting
        for (int i = 0; i < FLEET; i++) {
            Fleet.register("dash-fleet");
        }
        Fleet.Host a = Fleet.register("dash-pair");
        Fleet.Host b = Fleet.register("dash-pair");
        Fleet.Host failing = Fleet.register("dash-pair");
        Fleet.Host revoked = Fleet.register("dash-pair");
        Fleet.makeTlsReady(a, true);
        Fleet.makeTlsReady(b, true);
        Fleet.makeTlsReady(revoked, true);
        Fleet.revoke(revoked);
        Fleet.awaitTlsReady(revoked, false);
        Bus.publish(failing.agent().enrolled(failing.token(), Fleet.caps(true)));
        Bus.publish(TestTrust.pki(), failing.agent().certIssued("ENROLLMENT"));
        Fleet.configured(failing, failing.agent().serial(), true, true, true, CheckStatus.FAIL);
        Instant windowEnd = Instant.now().plus(Duration.ofHours(2));
        Fleet.operator().body(Map.of("mode", "UPGRADE_WINDOW", "windowExpiresAt", windowEnd.toString()))
                .put("/v1/clusters/dash-pair/policy").then().statusCode(200);
        String migration = Fleet.operator().body(Fleet.migration("vm-dash", a, b)).post("/v1/migrations").then()
                .statusCode(202).extract().path("id");
        Bus.publish(a.agent().producer(), new MigrationProgress(migration, a.id(), 2000, 1_000_000, 400_000, 600_000,
                60_000_000));

        signIn();
        open("/dashboard?cluster=dash-pair");
        awaitText("#host-" + failing.id() + " .posture", "failing: unauthenticated-tcp-refused");
        assertThat(textOf("#host-" + failing.id() + " .ready"))
                .contains("not ready", "posture check");
        awaitText("#host-" + a.id() + " .posture", "all 1 checks pass");
        assertThat(attribute("#host-" + a.id() + " .expiry", "class")).contains("expiry-green");
        assertThat(textOf("#host-" + a.id() + " .expiry")).contains("days left");
        assertThat(textOf("#host-" + a.id() + " .ready")).contains("ready").doesNotContain("not ready");
        awaitText("#host-" + revoked.id() + " .expiry", "revoked");
        assertThat(attribute("#host-" + revoked.id() + " .expiry", "class")).contains("expiry-red");
        assertThat(textOf("#host-" + revoked.id() + " .ready"))
                .contains("revoked");

        // the pair matrix, with the reasons on demand
        String pair = "#pair-" + a.id() + "-" + b.id();
        awaitText(pair, "TLS_NATIVE");
        click(pair);
        awaitText("#reasons", a.id() + " → " + b.id() + ": TLS_NATIVE");
        assertThat(textOf("#reasons li")).isNotEqualTo("(no element)");

        // the policy's upgrade window counts down
        awaitText("#policy-mode", "UPGRADE_WINDOW");
        awaitText("#upgrade-window [data-countdown]", " h ");
        assertThat(textOf("#upgrade-window [data-countdown]"))
                .matches("1 h 5\\d min \\d+ s|2 h 0 min \\d+ s");

        // the migration's progress bar, live
        awaitText("#migration-" + migration + " .percent", "40%");
        assertThat(attribute("#migration-" + migration + " progress", "value")).isEqualTo("40");

        // the audit trail
        awaitText("#audit", "policy.set");
        assertThat(textOf("#audit")).contains("alice", "dash-pair", "UPGRADE_WINDOW");
        screenshot("1-cluster-dash-pair");

        // an operator cancels from the page (same service method, audited)
        // the page asks "Cancel the migration of vm-dash?" (window.confirm): answered yes here
        ((JavascriptExecutor) browser).executeScript("window.confirm = function () { return true; };");
        click("#migration-" + migration + " button.cancel");
        awaitText("#flash p.notice", "Cancellation of " + migration);
        awaitText("#migration-" + migration + " .state", "cancellation requested");
        Fleet.viewer().get("/v1/migrations/" + migration).then().body("cancelRequestedAt", org.hamcrest.Matchers.notNullValue());
        awaitText("#audit", "migration.cancel");

        // 300 hosts: 50 a page, and the matrix capped
        open("/dashboard?cluster=dash-fleet");
        awaitText("#hosts-range", "1–50 of " + FLEET);
        assertThat(((JavascriptExecutor) browser).executeScript("return document.querySelectorAll('#hosts tbody tr').length;"))
                .isEqualTo(50L);
        awaitText("#matrix-capped", "first 15 of " + FLEET);
        click("#hosts-next");
        awaitText("#hosts-range", "51–100 of " + FLEET);
        screenshot("2-cluster-dash-fleet-page-2");

        // PostgreSQL goes away: every section says so in place, none goes blank
        open("/dashboard?cluster=dash-pair");
        awaitText("#policy-mode", "UPGRADE_WINDOW");
        PostgresServer.shared().stop();
        try {
            awaitText("#hosts .section-error", "the database (PostgreSQL)");
            awaitText("#audit .section-error", "the database (PostgreSQL)");
            awaitText("#migrations .section-error", "the database (PostgreSQL)");
            screenshot("3-database-down");
            open("/dashboard?cluster=dash-pair");
            awaitText("#clusters-error", "the database (PostgreSQL)");
            awaitText("#hosts .section-error", "the database (PostgreSQL)");
        } finally {
            PostgresServer.shared().start();
        }
        // and the sections come back by themselves
        awaitText("#hosts", failing.id());
        assertThat(textOf(".section-error")).isEqualTo("(no element)");
    }

    private void signIn() {
        open("/dashboard");
        await(By.id("token")).sendKeys(Fleet.OPERATOR);
        browser.findElement(By.id("signin")).click();
        awaitText(".who", "alice (operator)");
    }

    private void open(String path) {
        browser.get(base.toString().replaceAll("/$", "") + path);
    }

    private static WebElement await(By by) {
        return new WebDriverWait(browser, Duration.ofSeconds(30)).until(ExpectedConditions.presenceOfElementLocated(by));
    }

    /**
     * Waits until the element {@code css} selects has {@code text} in its text; reads it in the page in one
     * step, since htmx replaces sections under any element reference the test could hold.
     */
    private static void awaitText(String css, String text) {
        String[] seen = {null};
        try {
            new WebDriverWait(browser, Duration.ofSeconds(30)).until(d -> {
                seen[0] = textOf(css);
                return seen[0].contains(text);
            });
        } catch (RuntimeException e) {
            screenshot("failed-waiting-for-" + text.replaceAll("[^A-Za-z0-9]+", "-"));
            throw new AssertionError(css + " never showed \"" + text + "\"; last seen: \"" + seen[0] + "\"", e);
        }
    }

    private static String textOf(String css) {
        return String.valueOf(((JavascriptExecutor) browser).executeScript(
                "var e = document.querySelector(arguments[0]); return e ? e.innerText : '(no element)';", css));
    }

    /** Clicks in the page in one step (a polled section may be swapped between a find and a click). */
    private static void click(String css) {
        ((JavascriptExecutor) browser).executeScript("document.querySelector(arguments[0]).click();", css);
    }

    private static String attribute(String css, String name) {
        return String.valueOf(((JavascriptExecutor) browser).executeScript(
                "var e = document.querySelector(arguments[0]); return e ? e.getAttribute(arguments[1]) : null;",
                css, name));
    }

    static void screenshot(String name) {
        try {
            Files.createDirectories(SCREENSHOTS);
            File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
            Files.copy(shot.toPath(), SCREENSHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            System.err.println("screenshot " + name + " not saved: " + e);
        }
    }
}
