package dev.virtgate.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.virtgate.cli.config.Service;
import dev.virtgate.cli.output.Formats;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;


@Command(name = "policy", description = "A cluster's migration policy (migration-service).",
        subcommands = {PolicyCommand.Get.class, PolicyCommand.Set.class})
public class PolicyCommand extends CommandGroup {

    /** PolicyMode in contracts. */
    enum Mode { REQUIRE_TLS, ALLOW_SASL_FALLBACK, UPGRADE_WINDOW }

    @Command(name = "get", description = "The cluster's policy.")
    static class Get extends ApiCommand {
        @Parameters(paramLabel = "CLUSTER", description = "cluster id")
        String cluster;

        @Override
        protected int execute() {
            show(this, api().get(Service.MIGRATION, "/v1/clusters/" + segment(cluster) + "/policy"));
            return done();
        }
    }

    @Command(name = "set", description = {"Sets the cluster's policy: REQUIRE_TLS, ALLOW_SASL_FALLBACK or UPGRADE_WINDOW.",
            "UPGRADE_WINDOW needs an expiry: --window-expires-at INSTANT or --window DURATION (e.g. PT2H)."})
    static class Set extends ApiCommand {
        @Parameters(index = "0", paramLabel = "CLUSTER", description = "cluster id")
        String cluster;

        @Parameters(index = "1", paramLabel = "MODE", description = "${COMPLETION-CANDIDATES}")
        Mode mode;

        @ArgGroup(exclusive = true)
        Window window;

        @Option(names = "--sasl-on-tls", arity = "1", paramLabel = "true|false",
                description = "layer SASL on libvirt's TLS port (default true)")
        Boolean saslOnTls;

        @Option(names = "--parallel-connections", paramLabel = "1-16",
                description = "parallel TLS connections for a native-TLS migration (default: the negotiator's)")
        Integer parallelConnections;

        @Option(names = "--agent-tls-proxy", arity = "1", paramLabel = "true|false",
                description = "let the agents carry the memory stream inside their own TLS (TLS_AGENT_PROXY) when"
                        + " both hosts offer it (default false)")
        Boolean agentTlsProxy;

        static class Window {
            @Option(names = "--window-expires-at", paramLabel = "INSTANT", description = "e.g. 2026-12-01T18:00:00Z")
            Instant expiresAt;

            @Option(names = "--window", paramLabel = "DURATION", description = "from now, e.g. PT2H")
            Duration length;
        }

        @Override
        protected int execute() {
            if (window != null && window.length != null && (window.length.isNegative() || window.length.isZero())) {
                throw new ParameterException(spec.commandLine(), "--window must be a positive duration");
            }
            ObjectNode body = root().json().createObjectNode().put("mode", mode.name());
            if (window != null) {
                Instant expiry = window.expiresAt != null ? window.expiresAt
                        : root().clock().instant().plus(window.length);
                body.put("windowExpiresAt", expiry.toString());
            }
            if (saslOnTls != null) {
                body.put("saslOnTls", saslOnTls);
            }
            if (parallelConnections != null) {
                body.put("parallelConnections", parallelConnections); // the service checks the range: 422 naming it
            }
            if (agentTlsProxy != null) {
                body.put("agentTlsProxy", agentTlsProxy);
            }
            show(this, api().put(Service.MIGRATION, "/v1/clusters/" + segment(cluster) + "/policy", body));
            return done();
        }
    }

    static void show(ApiCommand command, JsonNode policy) {
        if (command.jsonOutput()) {
            command.printJson(policy);
            return;
        }
        Map<String, String> fields = Formats.fields(policy, "clusterId", "mode", "windowExpiresAt", "windowOpen", "saslOnTls", "parallelConnections", "agentTlsProxy", "revision", "updatedBy", "updatedAt");
        command.printFields(fields);
    }
}
