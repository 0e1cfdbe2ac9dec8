package dev.virtgate.agent.libvirt;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** libvirt's version numbers: major * 1,000,000 + minor * 1,000 + micro. */
class CapabilityDiscoveryTest {

    @Test
    void multifdWithTlsNeedsLibvirt520AndQemu520() {
        assertThat(CapabilityDiscovery.multifdTls(9_000_000L, 7_002_000L)).isTrue();   // Debian 12
        assertThat(CapabilityDiscovery.multifdTls(5_002_000L, 5_002_000L)).isTrue();
        assertThat(CapabilityDiscovery.multifdTls(5_001_000L, 7_002_000L)).isFalse();  // no VIR_MIGRATE_PARALLEL
        assertThat(CapabilityDiscovery.multifdTls(9_000_000L, 5_001_000L)).isFalse();  // multifd without TLS
        assertThat(CapabilityDiscovery.multifdTls(9_000_000L, 4_002_001L)).isFalse();
    }

    @Test
    void noMultifdTlsWithoutNativeTls() {
        assertThat(CapabilityDiscovery.nativeTls(4_003_000L, 7_002_000L)).isFalse();
        assertThat(CapabilityDiscovery.multifdTls(4_003_000L, 7_002_000L)).isFalse();
    }
}
