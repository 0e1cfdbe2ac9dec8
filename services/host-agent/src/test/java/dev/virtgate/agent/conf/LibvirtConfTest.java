package dev.virtgate.agent.conf;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LibvirtConfTest {
    static final String FOREIGN = """
            # operator comment, kept
            unix_sock_group = "libvirt"   # trailing comment
            listen_tcp = 1
            auth_tcp = "none"
            tls_allowed_dn_list = [ "C=GB,O=old,CN=a",
                                    "C=GB,O=old,CN=b" ]
            #listen_tls = 0
            log_outputs = '3:file:/var/log/libvirt/libvirtd.log'
            """;

    @Test
    void parsesIntegersStringsAndMultiLineLists() {
        LibvirtConf c = LibvirtConf.parse(FOREIGN);
        assertThat(c.get("listen_tcp")).contains(new ConfValue.Int(1));
        assertThat(c.get("unix_sock_group")).contains(new ConfValue.Str("libvirt"));
        assertThat(c.get("log_outputs")).contains(new ConfValue.Str("3:file:/var/log/libvirt/libvirtd.log"));
        assertThat(c.get("tls_allowed_dn_list")).contains(new ConfValue.StrList(List.of("C=GB,O=old,CN=a", "C=GB,O=old,CN=b")));
        assertThat(c.get("listen_tls")).isEmpty(); // commented out
    }

    @Test
    void renderReplacesManagedKeysAndKeepsForeignLinesVerbatim() {
        Map<String, ConfValue> managed = new LinkedHashMap<>();
        managed.put("listen_tcp", ConfValue.of(1));
        managed.put("auth_tcp", ConfValue.of("sasl"));
        managed.put("tls_allowed_dn_list", ConfValue.of(List.of("O=virtgate,OU=c1,CN=h1.example")));
        String out = LibvirtConf.parse(FOREIGN).render(managed);
        assertThat(out).contains("# operator comment, kept", "unix_sock_group = \"libvirt\"   # trailing comment",
                "#listen_tls = 0", "log_outputs = '3:file:/var/log/libvirt/libvirtd.log'")
                .contains("auth_tcp = \"sasl\"", "tls_allowed_dn_list = [ \"O=virtgate,OU=c1,CN=h1.example\" ]")
                .doesNotContain("auth_tcp = \"none\"").doesNotContain("CN=a").doesNotContain("CN=b");
        LibvirtConf back = LibvirtConf.parse(out);
        managed.forEach((k, v) -> assertThat(back.get(k)).contains(v));
        assertThat(back.get("unix_sock_group")).contains(new ConfValue.Str("libvirt"));
        assertThat(back.render(managed)).as("idempotent").isEqualTo(out);
    }

    @Test
    void managedKeyWithoutValueIsRemoved() {
        String out = LibvirtConf.parse(FOREIGN).render(Set.of("auth_tcp", "crl_file"), Map.of("listen_tcp", ConfValue.of(0)));
        assertThat(LibvirtConf.parse(out).get("auth_tcp")).isEmpty();
        assertThat(LibvirtConf.parse(out).get("listen_tcp")).contains(new ConfValue.Int(0));
    }

    @Test
    void valuesThatCouldBreakOutAreRefusedBeforeAnyOutput() {
        LibvirtConf c = LibvirtConf.parse(FOREIGN);
        for (String evil : List.of("a\" \nauth_tcp = \"none", "x\ny", "back\\slash", "nul\u0000", "cr\r")) {
            assertThatThrownBy(() -> c.render(Map.of("listen_addr", ConfValue.of(evil))))
                    .isInstanceOf(ConfigRejectedException.class).hasMessageStartingWith("listen_addr")
                    .hasMessageNotContaining(evil);
            assertThatThrownBy(() -> c.render(Map.of("tls_allowed_dn_list", ConfValue.of(List.of("ok", evil)))))
                    .isInstanceOf(ConfigRejectedException.class);
        }
    }

    @Property(tries = 300)
    void anyPrintableValueWithoutQuoteOrBackslashRoundTrips(@ForAll @StringLength(max = 60) String s) {
        String v = s.replaceAll("[\"\\\\\\p{Cntrl}]", "");
        String out = LibvirtConf.parse("").render(Map.of("k", ConfValue.of(v), "l", ConfValue.of(List.of(v, v))));
        assertThat(LibvirtConf.parse(out).get("k")).contains(new ConfValue.Str(v));
        assertThat(LibvirtConf.parse(out).get("l")).contains(new ConfValue.StrList(List.of(v, v)));
    }

    @Test
    void saslConfKeepsForeignLinesAndRefusesNewlines() {
        String out = SaslConf.parse("# keep\nmech_list: gssapi\nkeytab: /etc/libvirt/krb5.tab\n")
                .render(Map.of("mech_list", "digest-md5", "sasldb_path", "/etc/libvirt/passwd.db"));
        assertThat(out).contains("# keep", "keytab: /etc/libvirt/krb5.tab", "mech_list: digest-md5").doesNotContain("gssapi");
        assertThat(SaslConf.parse(out).get("sasldb_path")).contains("/etc/libvirt/passwd.db");
        assertThatThrownBy(() -> SaslConf.parse("").render(Map.of("mech_list", "plain\nmech_list: anonymous")))
                .isInstanceOf(ConfigRejectedException.class);
    }

    @Test
    void authConfReplacesOnlyItsSections() {
        String out = AuthConf.render("[credentials-other]\nauthname=x\n\n[auth-libvirt-otherhost]\ncredentials=other\n",
                "virtgate-v2", "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abcde");
        assertThat(out).contains("[credentials-other]", "[auth-libvirt-otherhost]", "authname=virtgate-v2",
                "[auth-libvirt-default]\ncredentials=virtgate");
        assertThat(AuthConf.render(out, "virtgate-v3", "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abcde"))
                .doesNotContain("virtgate-v2").contains("authname=virtgate-v3");
        assertThatThrownBy(() -> AuthConf.render("", "virtgate-v2", "pw\n[auth-libvirt-default]"))
                .isInstanceOf(ConfigRejectedException.class).hasMessageNotContaining("pw");
    }
}
