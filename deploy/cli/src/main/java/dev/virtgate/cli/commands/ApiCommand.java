package dev.virtgate.cli.commands;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.virtgate.cli.CliException;
import dev.virtgate.cli.ExitCodes;
import dev.virtgate.cli.GlobalOptions;
import dev.virtgate.cli.VirtgateCli;
import dev.virtgate.cli.config.ConfigFile;
import dev.virtgate.cli.config.Credentials;
import dev.virtgate.cli.config.Endpoints;
import dev.virtgate.cli.http.ApiClient;
import dev.virtgate.cli.http.ClientTls;
import dev.virtgate.cli.output.Table;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.Callable;

/** A sub-command that calls the services: the client, the output format and the helpers they share. */
public abstract class ApiCommand implements Callable<Integer> {

    @Spec
    protected CommandSpec spec;

    private ApiClient client;

    @Override
    public Integer call() throws Exception {
        return execute();
    }

    protected abstract int execute() throws Exception;

    protected VirtgateCli root() {
        return (VirtgateCli) spec.root().userObject();
    }

    /** Built on first use, so that --help and usage errors never need a token. */
    protected ApiClient api() {
        if (client == null) {
            VirtgateCli root = root();
            ConfigFile config = ConfigFile.load(root.environment());
            Credentials credentials = Credentials.resolve(root.token(), root.tlsFiles(), root.environment(), config);
            String bearer = credentials.bearerToken(config.path(), root.clock());
            Credentials.TlsFiles tls = credentials.tls();
            Endpoints endpoints = Endpoints.resolve(root.urlFlags(), root.environment(), config);
            client = new ApiClient(endpoints, bearer, tls.cert() != null || tls.caCert() != null
                    ? ClientTls.context(tls) : endpoints.anyHttps() ? null : ClientTls.unused(), root.json());
        }
        return client;
    }

    protected boolean jsonOutput() {
        return root().output() == GlobalOptions.Format.json;
    }

    protected PrintWriter out() {
        return spec.commandLine().getOut();
    }

    protected PrintWriter err() {
        return spec.commandLine().getErr();
    }

    /** The services' own JSON, pretty-printed: what -o json prints. */
    protected void printJson(JsonNode node) {
        try {
            out().println(root().json().writeValueAsString(node));
        } catch (JsonProcessingException e) {
            throw new CliException("cannot print JSON: " + e.getOriginalMessage());
        }
        out().flush();
    }

    protected void print(Table table) {
        out().print(table.render());
        out().flush();
    }

    /** Aligned "key: value" lines for one object; null values are left out. */
    protected void printFields(Map<String, String> fields) {
        int width = fields.keySet().stream().mapToInt(String::length).max().orElse(0) + 1;
        fields.forEach((k, v) -> {
            if (v != null) {
                out().println(String.format("%-" + width + "s %s", k + ":", v));
            }
        });
        out().flush();
    }

    protected int done() {
        return ExitCodes.OK;
    }

    static String segment(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** "?a=1&b=2" from the non-null pairs (name, value, name, value, ...), or "". */
    static String query(Object... pairs) {
        StringJoiner q = new StringJoiner("&", "?", "");
        q.setEmptyValue("");
        for (int i = 0; i < pairs.length; i += 2) {
            if (pairs[i + 1] != null) {
                q.add(pairs[i] + "=" + URLEncoder.encode(pairs[i + 1].toString(), StandardCharsets.UTF_8));
            }
        }
        return q.toString();
    }
}
