package dev.virtgate.agent.proxy;

import dev.virtgate.agent.conf.ConfigRejectedException;

/** The loopback ports (first-last) where QEMU's clear migration stream may be: the only ports the proxy connects to. */
public record LoopbackPorts(int first, int last) {

    public LoopbackPorts {
        if (first < 1024 || last > 65_535 || first > last) {
            throw new ConfigRejectedException("migration-proxy.loopback-ports", "must be first-last within 1024-65535");
        }
    }

    /** "49300-49363" as the setting gives it. */
    public static LoopbackPorts parse(String value) {
        String[] parts = value == null ? new String[0] : value.strip().split("-");
        try {
            if (parts.length == 2) {
                return new LoopbackPorts(Integer.parseInt(parts[0].strip()), Integer.parseInt(parts[1].strip()));
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw new ConfigRejectedException("migration-proxy.loopback-ports", "must be first-last, e.g. 49300-49363");
    }

    public boolean contains(int port) {
        return port >= first && port <= last;
    }

    /** Every port of the range once, from a random one onwards (wrapping around). */
    public int[] inRandomOrder() {
        int size = last - first + 1;
        int start = java.util.concurrent.ThreadLocalRandom.current().nextInt(size);
        int[] ports = new int[size];
        for (int i = 0; i < size; i++) {
            ports[i] = first + (start + i) % size;
        }
        return ports;
    }
}
