package dev.virtgate.agent.reconcile;

import dev.virtgate.agent.conf.ConfValue;
import dev.virtgate.agent.conf.LibvirtConf;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** What the start-up lock-down finds open in a libvirtd.conf, with libvirt's defaults for absent keys. */
class ListenerLockdownTest {

    static ListenerLockdown.Closing find(String conf) {
        return ListenerLockdown.find(LibvirtConf.parse(conf));
    }

    @Test
    void unauthenticatedTcpIsClosed() {
        ListenerLockdown.Closing c = find("listen_tcp = 1\nauth_tcp = \"none\"\n");
        assertThat(c.settings()).isEqualTo(Map.of("listen_tcp", ConfValue.of(0)));
        assertThat(c.closed()).singleElement().asString().contains("unauthenticated TCP");
    }

    @Test
    void tcpWithoutAnAuthTcpKeyUsesSaslAndStaysOpen() {
        assertThat(find("listen_tcp = 1\n").isEmpty()).isTrue();
        assertThat(find("listen_tcp = 1\nauth_tcp = \"sasl\"\n").isEmpty()).isTrue();
        assertThat(find("listen_tcp = 0\nauth_tcp = \"none\"\n").isEmpty()).isTrue();
        assertThat(find("auth_tcp = \"none\"\n").isEmpty()).isTrue(); // listen_tcp defaults to 0
    }

    @Test
    void theLastSettingCounts() {
        assertThat(find("listen_tcp = 0\nauth_tcp = \"none\"\nlisten_tcp = 1\n").settings()).containsKey("listen_tcp");
        assertThat(find("listen_tcp = 1\nauth_tcp = \"none\"\nauth_tcp = \"sasl\"\n").isEmpty()).isTrue();
    }

    @Test
    void tlsWithoutClientVerificationIsClosed() {
        // listen_tls defaults to 1
        assertThat(find("tls_no_verify_certificate = 1\n").settings())
                .isEqualTo(Map.of("tls_no_verify_certificate", ConfValue.of(0)));
        ListenerLockdown.Closing c = find("listen_tls = 1\nauth_tls = \"none\"\ntls_no_verify_certificate = 1\n");
        assertThat(c.closed()).singleElement().asString().contains("auth_tls = \"none\"");
        assertThat(find("listen_tls = 0\ntls_no_verify_certificate = 1\n").isEmpty()).isTrue();
        assertThat(find("listen_tls = 1\nauth_tls = \"none\"\ntls_no_verify_certificate = 0\n").isEmpty()).isTrue();
    }

    @Test
    void bothAreClosedInOneGoAndEveryOtherLineIsKept() {
        String operator = """
                # the operator's file
                listen_tcp = 1
                auth_tcp = "none"
                tls_no_verify_certificate = 1
                unix_sock_group = "libvirt"
                log_outputs = "3:file:/var/log/libvirt/libvirtd.log"
                tls_allowed_dn_list = [ "C=GB,O=ops,CN=admin",
                                        "C=GB,O=ops,CN=backup" ]
                """;
        LibvirtConf conf = LibvirtConf.parse(operator);
        ListenerLockdown.Closing c = ListenerLockdown.find(conf);
        assertThat(c.closed()).hasSize(2);
        String rendered = conf.render(c.settings());
        assertThat(rendered).contains("# the operator's file\n", "auth_tcp = \"none\"\n", "unix_sock_group = \"libvirt\"\n",
                "log_outputs = \"3:file:/var/log/libvirt/libvirtd.log\"\n",
                "tls_allowed_dn_list = [ \"C=GB,O=ops,CN=admin\",\n                        \"C=GB,O=ops,CN=backup\" ]\n",
                "listen_tcp = 0\n", "tls_no_verify_certificate = 0\n")
                .doesNotContain("listen_tcp = 1", "tls_no_verify_certificate = 1");
        assertThat(ListenerLockdown.find(LibvirtConf.parse(rendered)).isEmpty()).isTrue();
    }

    @Test
    void aLockedDownFileIsLeftAlone() {
        assertThat(find("listen_tls = 1\nlisten_tcp = 1\nauth_tcp = \"sasl\"\nauth_tls = \"none\"\n").isEmpty()).isTrue();
        assertThat(find("").isEmpty()).isTrue();
    }
}
