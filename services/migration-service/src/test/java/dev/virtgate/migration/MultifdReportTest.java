package dev.virtgate.migration;

import io.quarkus.test.junit.QuarkusTest;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Whether a host runs parallel (multifd) migration with TLS follows its agent's reports, not only its
 * enrolment: libvirt or QEMU upgraded (or downgraded) on an enrolled host changes the plan.
 */
@QuarkusTest
class MultifdReportTest {

    @Test
    void aReportedUpgradeMakesThePairParallelAndADowngradeUndoesIt() {
        Fleet.Host a = Fleet.register("mfd-c");
        Fleet.Host b = Fleet.register("mfd-c");
        Fleet.makeTlsReady(a, true, true);
        Fleet.makeTlsReady(b, true, false); // enrolled on a libvirt or QEMU before 5.2
        assertThat(planFlags(a, b)).doesNotContain("PARALLEL");

        Fleet.reportsMultifdTls(b, true);
        awaitPlanFlags(a, b, true);

        Fleet.reportsMultifdTls(b, false);
        awaitPlanFlags(a, b, false);
    }

    @Test
    void aReportWithoutTheFieldLeavesWhatEnrolmentSaid() {
        Fleet.Host a = Fleet.register("mfd-old-c");
        Fleet.Host b = Fleet.register("mfd-old-c");
        Fleet.makeTlsReady(a, true, true);
        Fleet.makeTlsReady(b, true, true);
        assertThat(planFlags(a, b)).contains("PARALLEL");

        String before = Fleet.viewer().get("/v1/hosts/" + b.id()).then().extract().path("posture.probedAt");
        Fleet.reportsMultifdTls(b, null);
        // the report is in once the posture shows its probedAt; the plan is still parallel
        Awaitility.await("the older agent's report of " + b.id()).atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> !before.equals(Fleet.viewer().get("/v1/hosts/" + b.id()).then().extract()
                        .path("posture.probedAt")));
        assertThat(planFlags(a, b)).contains("PARALLEL");
    }

    static List<String> planFlags(Fleet.Host source, Fleet.Host destination) {
        return Fleet.viewer().body(Fleet.migration("vm-mfd", source, destination)).post("/v1/migrations/plan").then()
                .statusCode(200).extract().path("flags");
    }

    static void awaitPlanFlags(Fleet.Host source, Fleet.Host destination, boolean parallel) {
        Awaitility.await("plan " + source.id() + " -> " + destination.id() + " parallel=" + parallel)
                .atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> planFlags(source, destination).contains("PARALLEL") == parallel);
    }
}
