package dev.virtgate.agent.service;

import dev.virtgate.agent.config.AgentConfig;
import dev.virtgate.agent.libvirt.LibvirtdControl;
import dev.virtgate.agent.messaging.KafkaEventSink;
import dev.virtgate.agent.openbao.OpenBaoAccess;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** Wires the framework-free agent core into CDI. */
public class AgentBeans {

    @Produces
    @Singleton
    AgentService agent(AgentConfig config, KafkaEventSink sink, OpenBaoAccess openBao) {
        return new AgentService(config, sink, openBao, openBao, openBao, new LibvirtdControl(config));
    }
}
