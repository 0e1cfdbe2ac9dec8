package dev.virtgate.cli.commands;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** VM SRC DST [--bandwidth]: what `plan` and `migrate` both take (a picocli mixin), and the request body it makes. */
public class MigrationPair {
    @Parameters(index = "0", paramLabel = "VM", description = "libvirt domain name")
    String vm;

    @Parameters(index = "1", paramLabel = "SRC", description = "source host id")
    String source;

    @Parameters(index = "2", paramLabel = "DST", description = "destination host id")
    String destination;

    @Option(names = "--bandwidth", paramLabel = "MiB/s", description = "bandwidth limit")
    Integer bandwidthMiBps;

    ObjectNode body(ObjectMapper json) {
        ObjectNode body = json.createObjectNode().put("vmName", vm).put("sourceHostId", source)
                .put("destinationHostId", destination);
        if (bandwidthMiBps != null) {
            body.put("bandwidthMiBps", bandwidthMiBps);
        }
        return body;
    }
}
