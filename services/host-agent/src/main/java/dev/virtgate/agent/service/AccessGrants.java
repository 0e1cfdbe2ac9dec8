package dev.virtgate.agent.service;

import dev.virtgate.contracts.events.HostAccessGranted;

import java.security.PrivateKey;

/** Takes this host's OpenBao access from a verified HostAccessGranted (unwrap, AppRole login). */
public interface AccessGrants {
    void onAccessGranted(HostAccessGranted grant, PrivateKey hostKey);
}
