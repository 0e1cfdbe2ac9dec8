package dev.virtgate.agent.reconcile;

import dev.virtgate.agent.conf.ConfValue;
import dev.virtgate.agent.conf.LibvirtConf;
import dev.virtgate.agent.config.AgentPaths;
import dev.virtgate.agent.files.SecureFiles;
import dev.virtgate.agent.state.AgentState;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

/** The host_uuid libvirtd.conf gets, kept in the agent state so that it never changes once chosen. */
final class HostUuid {
    private HostUuid() {
    }

    /** A stable host_uuid: the one already configured, else the one libvirtd reports, else a new one. */
    static void ensure(AgentState state, AgentPaths paths, String discovered) {
        if (state.hostUuid != null) {
            return;
        }
        String existing = SecureFiles.read(paths.onHost(paths.libvirtdConf()))
                .map(b -> LibvirtConf.parse(new String(b, StandardCharsets.UTF_8)))
                .flatMap(conf -> conf.get("host_uuid")).filter(v -> v instanceof ConfValue.Str)
                .map(v -> ((ConfValue.Str) v).value()).orElse(null);
        if (existing == null || !existing.matches("^[0-9a-f-]{36}$")) {
            existing = discovered != null && discovered.matches("^[0-9a-f-]{36}$") ? discovered : null;
        }
        state.hostUuid = existing != null ? existing : UUID.randomUUID().toString();
        state.save();
    }
}
