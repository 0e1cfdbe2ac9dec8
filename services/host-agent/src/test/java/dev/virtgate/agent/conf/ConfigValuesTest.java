package dev.virtgate.agent.conf;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfigValuesTest {

    @Test
    void hostNames() {
        assertThat(ConfigValues.hostName("f", "vg-h1.lab.virtgate.test")).isEqualTo("vg-h1.lab.virtgate.test");
        for (String bad : List.of("", "-a", "a..b", "a b", "a\"b", "a\nb", "a\\b", "a*", "x".repeat(64) + ".com",
                "h1.example\"; auth_tcp = \"none")) {
            assertThatThrownBy(() -> ConfigValues.hostName("fqdn", bad)).isInstanceOf(ConfigRejectedException.class)
                    .hasMessage("fqdn: " + (bad.isEmpty() ? "missing" : "not a DNS host name"));
        }
    }

    @Test
    void addressesAreLiteralsOnly() {
        assertThat(ConfigValues.address("a", "198.18.42.11")).isEqualTo("198.18.42.11");
        assertThat(ConfigValues.address("a", "fd00::1")).isEqualTo("fd00::1");
        for (String bad : List.of("256.1.1.1", "1.2.3", "example.com", "1.2.3.4\"", "1.2.3.4\n", "::g", "01.2.3.4")) {
            assertThatThrownBy(() -> ConfigValues.address("addr", bad)).isInstanceOf(ConfigRejectedException.class);
        }
        assertThatThrownBy(() -> ConfigValues.listenAddress("listen", "0.0.0.0")).hasMessageContaining("wildcard");
        assertThatThrownBy(() -> ConfigValues.listenAddress("listen", "::")).hasMessageContaining("wildcard");
        // the same wildcard in other spellings, which a comparison of text let through
        for (String wildcard : java.util.List.of("0:0:0:0:0:0:0:0", "::0.0.0.0", "::ffff:0.0.0.0", "0::0", "00::000")) {
            assertThatThrownBy(() -> ConfigValues.listenAddress("listen", wildcard)).as(wildcard)
                    .hasMessageContaining("wildcard");
        }
        org.assertj.core.api.Assertions.assertThat(ConfigValues.listenAddress("listen", "fd00::1")).isEqualTo("fd00::1");
    }

    @Test
    void dnsRefuseQuotesEscapesWildcardsAndNewlines() {
        assertThat(ConfigValues.dn("dn", "O=virtgate,OU=c1,CN=h1.lab.virtgate.test")).isNotNull();
        assertThat(ConfigValues.dn("dn", "C=GB,ST=London,L=London,O=Red Hat,CN=host1.example.com")).isNotNull();
        for (String bad : List.of("O=virtgate,CN=*", "O=virtgate,CN=h?", "O=virtgate,CN=[a-z]*", "O=a\\,b,CN=x",
                "O=virtgate,CN=x\", \"*", "O=virtgate,CN=x\nauth_tcp = \"none\"", "CN=", "=x", "O=virtgate,,CN=x",
                "O=virtgate;CN=x", "O=virtgate,CN=x\u0000")) {
            assertThatThrownBy(() -> ConfigValues.dn("libvirtDn", bad)).isInstanceOf(ConfigRejectedException.class)
                    .hasMessageStartingWith("libvirtDn:");
        }
    }

    @Test
    void usernamesAndSecrets() {
        assertThat(ConfigValues.username("u", "virtgate-v12")).isEqualTo("virtgate-v12");
        for (String bad : List.of("Root", "a b", "a@realm", "v\"1", "v\n1", "-v", "v\\1")) {
            assertThatThrownBy(() -> ConfigValues.username("u", bad)).isInstanceOf(ConfigRejectedException.class);
        }
        assertThat(ConfigValues.secret("p", "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abcde")).isNotNull();
        assertThatThrownBy(() -> ConfigValues.secret("p", "short\npassword")).isInstanceOf(ConfigRejectedException.class)
                .hasMessageNotContaining("short");
    }

    @Test
    void paths() {
        assertThat(ConfigValues.path("p", "/etc/pki/qemu")).isEqualTo("/etc/pki/qemu");
        for (String bad : List.of("etc/x", "/etc/../shadow", "/etc/x y", "/etc/\"x", "/a/..")) {
            assertThatThrownBy(() -> ConfigValues.path("p", bad)).isInstanceOf(ConfigRejectedException.class);
        }
    }

    @org.junit.jupiter.api.Test
    void loopbackIsRecognisedInEverySpelling() {
        for (String loopback : java.util.List.of("127.0.0.1", "127.1.2.3", "::1", "0:0:0:0:0:0:0:1", "::ffff:127.0.0.1")) {
            org.assertj.core.api.Assertions.assertThat(ConfigValues.isLoopback("migration-address", loopback))
                    .as(loopback).isTrue();
        }
        for (String other : java.util.List.of("10.0.0.1", "fd00::1", "198.18.42.11")) {
            org.assertj.core.api.Assertions.assertThat(ConfigValues.isLoopback("migration-address", other))
                    .as(other).isFalse();
        }
    }
}
