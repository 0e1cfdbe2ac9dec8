package dev.virtgate.cli.config;

import dev.virtgate.cli.CliException;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;

/**
 * Where each service listens: its flag, else {@code VIRTGATE_<SERVICE>_URL}, else cli.conf, else the
 * port that {@code ./virtgate up} wrote to {@code $VIRTGATE_HOME/ports.env}, else the launcher's
 * default port. The local stack serves plain HTTP on 127.0.0.1; an {@code https://} URL (the
 * migration-service's TLS port, for client certificates) is used as given.
 */
public final class Endpoints {
    private final Map<Service, URI> urls;

    private Endpoints(Map<Service, URI> urls) {
        this.urls = urls;
    }

    public static Endpoints resolve(Map<Service, String> flags, Environment env, ConfigFile config) {
        Map<String, String> ports = portsEnv(env);
        Map<Service, URI> urls = new EnumMap<>(Service.class);
        for (Service service : Service.values()) {
            String url = first(flags.get(service), env.get(service.urlVariable()), config.get(service.configKey()));
            if (url == null) {
                String port = ports.get(service.portVariable());
                url = "http://127.0.0.1:" + (port != null ? port : service.defaultPort());
            }
            urls.put(service, parse(service, url));
        }
        return new Endpoints(urls);
    }

    public boolean anyHttps() {
        return urls.values().stream().anyMatch(u -> "https".equals(u.getScheme()));
    }

    public URI url(Service service) {
        return urls.get(service);
    }

    static Map<String, String> portsEnv(Environment env) {
        String home = env.get("VIRTGATE_HOME");
        if (home == null) {
            return Map.of();
        }
        Path file = Path.of(home, "ports.env");
        try {
            return Files.isRegularFile(file) ? ConfigFile.parse(Files.readString(file)) : Map.of();
        } catch (IOException e) {
            throw new CliException("cannot read " + file + ": " + e.getMessage());
        }
    }

    private static URI parse(Service service, String url) {
        try {
            URI uri = URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
            if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
                throw new IllegalArgumentException("not an http(s) URL");
            }
            return uri;
        } catch (IllegalArgumentException e) {
            throw new CliException("the URL of " + service.serviceName() + " is not valid (" + url + "): "
                    + e.getMessage());
        }
    }

    private static String first(String... values) {
        for (String v : values) {
            if (v != null && !v.isBlank()) {
                return v.trim();
            }
        }
        return null;
    }
}
