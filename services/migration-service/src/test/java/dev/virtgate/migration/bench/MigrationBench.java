package dev.virtgate.migration.bench;

import dev.virtgate.testsupport.EventBus;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.virtgate.contracts.Topics;
import dev.virtgate.contracts.events.CheckStatus;
import dev.virtgate.contracts.events.CredentialPhase;
import dev.virtgate.contracts.events.HostCapabilities;
import dev.virtgate.contracts.events.HostConfigured;
import dev.virtgate.contracts.events.PostureCheck;
import dev.virtgate.contracts.trust.EventVerifier;
import dev.virtgate.contracts.trust.TrustAnchors;
import dev.virtgate.contracts.trust.TrustStorePaths;
import dev.virtgate.migration.Bus;
import dev.virtgate.migration.SimulatedAgent;
import dev.virtgate.migration.TestTrust;
import dev.virtgate.testsupport.KafkaServer;
import dev.virtgate.testsupport.Net;
import dev.virtgate.testsupport.OpenBaoServer;
import dev.virtgate.testsupport.PostgresServer;
import dev.virtgate.testsupport.TestTokens;
import dev.virtgate.testsupport.trust.TestProducer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * 1,000 migration requests against the running service (its packaged jar, as a separate process),
 * with a real broker, database and OpenBao; the trust pki-service would publish comes from
 * {@link TestTrust}, the agents and pki-service are simulated by publishing HostEnrolled, CertIssued
 * and HostConfigured, each signed as the service verifies it. Measures accepted/s and the time from
 * the start of each POST to the MigrationRequested record reaching a plain consumer on
 * virtgate.migrations.commands, plus on their own the Transit signing round trips (command and event
 * signature: the part of the hot path spent in OpenBao) and one event's verification. The measured
 * requests start once the service's JIT compiler has settled ({@link #warmUp}); the simulated agents
 * report their posture every minute, as real ones do.
 *
 * Run with services/migration-service/bench.sh [requests] [loads] (default 1000 1,@50,4).
 */
public final class MigrationBench {
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    static final String TOKEN = TestTokens.operator("bench");
    static final int HOSTS = 10;
    static final String DEFAULT_LOADS = "1,@50,4";
    /** The simulated agents by host id: each signs its reports with its host key and certificate. */
    static final Map<String, SimulatedAgent> AGENTS = new ConcurrentHashMap<>();

    public static void main(String[] args) throws Exception {
        int requests = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        // One measured run per entry: "1" one client (a request alone), "@50" 50 requests/s whatever the
        // answers take (open loop), "4" four clients back to back (the throughput of this machine).
        List<Load> loads = Arrays.stream((args.length > 1 ? args[1] : DEFAULT_LOADS).split(",")).map(Load::parse)
                .toList();
        Path jar = Path.of(args.length > 2 ? args[2] : "target/quarkus-app/quarkus-run.jar");

        // the broker as Kafka ships it (C2, G1), not the quick-start flags the tests use
        System.setProperty(KafkaServer.JVM_OPTS, System.getProperty(KafkaServer.JVM_OPTS, KafkaServer.SHIPPED_JVM_OPTS));
        KafkaServer kafka = KafkaServer.shared();
        OpenBaoServer bao = OpenBaoServer.shared();
        PostgresServer pg = PostgresServer.shared();
        String db = "virtgate_migration_bench_" + System.currentTimeMillis() % 100000;
        PostgresServer.Login login = pg.ensureDatabase(db); // migration-service's own role
        Path publicKey = Files.createTempFile("virtgate-bench-jwt", ".pem");
        try (InputStream in = MigrationBench.class.getResourceAsStream("/virtgate-test-jwt/publicKey.pem")) {
            Files.write(publicKey, in.readAllBytes());
        }
        // what pki-service publishes (CA bundle, signer certificates); the service runs without pki-service here
        TestTrust.publish();
        int port = Net.freePort();
        Path log = Path.of("target/bench-service.log");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m"));
        // e.g. -Dbench.service-jvm-args=-XX:StartFlightRecording=filename=/tmp/service.jfr to profile the service
        // (or the environment variable BENCH_SERVICE_JVM_ARGS, which keeps its spaces through bench.sh)
        String extra = System.getProperty("bench.service-jvm-args",
                Objects.requireNonNullElse(System.getenv("BENCH_SERVICE_JVM_ARGS"), ""));
        if (!extra.isBlank()) {
            command.addAll(List.of(extra.trim().split("\\s+")));
        }
        command.addAll(List.of(
                "-Dquarkus.http.port=" + port,
                "-Dkafka.bootstrap.servers=" + kafka.bootstrapServers(),
                "-Dvirtgate.bus.password=" + kafka.password("migration-service"),
                "-Dquarkus.vault.url=" + bao.address(),
                "-Dquarkus.datasource.jdbc.url=" + pg.jdbcUrl(db),
                "-Dmp.jwt.verify.publickey.location=file:" + publicKey,
                "-Dquarkus.log.category.\"virtgate.audit\".level=WARN",
                "-jar", jar.toString()));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("QUARKUS_DATASOURCE_USERNAME", login.user()); // in the environment, not in ps
        builder.environment().put("QUARKUS_DATASOURCE_PASSWORD", login.password());
        bao.serviceLogin("migration-service").environment().forEach(builder.environment()::put); // its own OpenBao AppRole
        Process service = builder.redirectErrorStream(true).redirectOutput(log.toFile()).start();
        String base = "http://127.0.0.1:" + port;
        try {
            await("service ready (log: " + log + ")", Duration.ofSeconds(120), () -> {
                if (!service.isAlive()) {
                    throw new IllegalStateException("service exited; see " + log);
                }
                return get(base + "/q/health/ready").statusCode() == 200;
            });
            List<String[]> hosts = new ArrayList<>();
            for (int i = 0; i < HOSTS; i++) {
                hosts.add(registerReadyHost(base, "bench-" + i + "-" + port));
            }
            for (String[] h : hosts) {
                await("host " + h[0] + " TLS-ready", Duration.ofSeconds(60),
                        () -> JSON.readTree(get(base + "/v1/hosts/" + h[0]).body()).path("tlsReady").asBoolean());
            }

            java.util.concurrent.ScheduledExecutorService agents = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "simulated-agents");
                t.setDaemon(true);
                return t;
            });
            agents.scheduleAtFixedRate(() -> hosts.forEach(h -> reportPosture(h[0], h[2], Instant.parse(h[3]))),
                    60, 60, TimeUnit.SECONDS);
            ensureTopic(kafka.bootstrapServers(), Topics.MIGRATION_COMMANDS);
            CommandWatcher watcher = new CommandWatcher(kafka.bootstrapServers());
            watcher.start();
            ProcessCpu cpu = new ProcessCpu(service.pid());
            int warmedWith = warmUp(base, hosts, loads.get(0), watcher, cpu);
            List<Result> results = new ArrayList<>();
            for (Load load : loads) {
                // code paths that only concurrency takes (contention, batching) get compiled here, not measured
                run(base, hosts, "settle" + results.size(), Integer.getInteger("bench.warmup-round", 1000), load, watcher);
                ProcessCpu.Sample before = cpu.sample();
                Result r = run(base, hosts, "run" + results.size(), requests, load, watcher);
                results.add(r.withCpu(cpu.sample().minus(before)));
            }
            watcher.stop();
            long[] sign = transitSign(bao, 1000, "virtgate-migration-commands");
            long[] eventSign = transitSign(bao, 1000, TrustStorePaths.transitKey("migration-service"));
            long[] verify = eventVerify(hosts.get(0)[0], 1000);

            System.out.println();
            System.out.printf("migration-service benchmark: %d requests per run, %d hosts, loopback, after %d warm-up "
                    + "requests%n", requests, HOSTS, warmedWith);
            System.out.println("| load       | metric                                       |      p50 |      p99 |      max |");
            System.out.println("|------------|----------------------------------------------|---------:|---------:|---------:|");
            for (Result r : results) {
                String load = r.load.label();
                row(load, "POST /v1/migrations -> 202 (ms)", r.post);
                row(load, "POST start -> MigrationRequested on bus (ms)", r.bus);
                row(load, "  of which 202 -> on bus: outbox relay (ms)", r.relay);
                row(load, "POST start -> record created (1 ms res.)", r.toProducer);
                row(load, "record created -> consumer (1 ms res.)", r.producerToConsumer);
            }
            row("", "Transit sign round trip alone (ms)", sign);
            row("", "event signature: Transit sign alone (ms)", eventSign);
            row("", "event verification, chain cached (ms)", verify);
            System.out.println();
            System.out.println("| load       | accepted/s | accepted / on bus / duplicates | service CPU ms/request | of which JIT "
                    + "| machine CPU stolen | p99 POST->bus <= 50 ms |");
            System.out.println("|------------|-----------:|--------------------------------|-----------------------:|-------------:"
                    + "|-------------------:|------------------------|");
            for (Result r : results) {
                System.out.printf("| %-10s | %10.1f | %-30s | %22.2f | %10.0f %% | %16.1f %% | %-22s |%n", r.load.label(),
                        r.acceptedPerSecond, r.accepted + " / " + r.bus.length + " / " + r.duplicates,
                        r.cpu.totalNanos() / 1e6 / requests, 100 * r.cpu.jitShare(), 100 * r.cpu.stealShare(),
                        percentile(r.bus, 99) <= 50_000_000L ? "MET" : "NOT MET");
            }
        } catch (Exception e) {
            e.printStackTrace();
        } finally {
            service.destroy();
            if (!service.waitFor(20, TimeUnit.SECONDS)) {
                service.destroyForcibly();
            }
            Files.deleteIfExists(publicKey);
            System.exit(0); // the shared servers are stopped by PID at exit
        }
    }

    /**
     * Until the JIT has done its work: C2 needs thousands of calls per method, and on two cores its
     * compiler thread competes with the request path. Measured on this machine: after 2,000 requests the
     * compiler still took the largest share of the service's CPU and the p99s were twice the steady
     * state. Warms up in rounds until the compiler's share of a round is under bench.jit-quiet (0.10),
     * at least bench.warmup (2000) and at most bench.warmup-max (20000) requests; prints each round.
     */
    static int warmUp(String base, List<String[]> hosts, Load load, CommandWatcher watcher, ProcessCpu cpu)
            throws Exception {
        int round = Integer.getInteger("bench.warmup-round", 1000);
        int min = Integer.getInteger("bench.warmup", 2000);
        int max = Integer.getInteger("bench.warmup-max", 20000);
        double quiet = Double.parseDouble(System.getProperty("bench.jit-quiet", "0.10"));
        int done = 0;
        while (done < max) {
            ProcessCpu.Sample before = cpu.sample();
            run(base, hosts, "warm" + done, round, load, watcher);
            done += round;
            ProcessCpu.Sample spent = cpu.sample().minus(before);
            System.out.printf("warm-up %5d requests: service CPU %.2f ms per request, JIT compiler %.0f %%, machine CPU "
                    + "stolen %.1f %%%n", done, spent.totalNanos() / 1e6 / round, 100 * spent.jitShare(),
                    100 * spent.stealShare());
            if (done >= min && spent.jitShare() < quiet) {
                break;
            }
        }
        return done;
    }

    record Result(long[] post, long[] bus, long[] relay, long[] toProducer, long[] producerToConsumer,
            double acceptedPerSecond, int accepted, int duplicates, Load load, ProcessCpu.Sample cpu) {
        Result withCpu(ProcessCpu.Sample cpu) {
            return new Result(post, bus, relay, toProducer, producerToConsumer, acceptedPerSecond, accepted, duplicates,
                    load, cpu);
        }
    }

    /** Closed loop (N clients, each sending its next request when the last is answered) or open loop (a fixed rate). */
    record Load(int clients, int perSecond) {
        static Load parse(String spec) {
            String s = spec.trim();
            return s.startsWith("@") ? new Load(0, Integer.parseInt(s.substring(1))) : new Load(Integer.parseInt(s), 0);
        }

        String label() {
            return perSecond > 0 ? perSecond + "/s" : clients + (clients == 1 ? " client" : " clients");
        }
    }

    static Result run(String base, List<String[]> hosts, String prefix, int n, Load load,
            CommandWatcher watcher) throws Exception {
        Map<String, Long> started = new ConcurrentHashMap<>();
        Map<String, Long> startedMillis = new ConcurrentHashMap<>();
        long[] post = new long[n];
        AtomicInteger accepted = new AtomicInteger();
        java.util.function.BiConsumer<Integer, String[]> answered = (i, response) -> {
            post[i] = System.nanoTime() - started.get(prefix + "-vm-" + i);
            if (response[0].equals("202")) {
                accepted.incrementAndGet();
            } else {
                System.err.println("POST " + prefix + "-vm-" + i + " -> " + response[0] + " " + response[1]);
            }
        };
        long t0 = System.nanoTime();
        if (load.perSecond() > 0) {
            // Timed from when each request was due, not when it went out: a stalled service is not let off
            // by the driver waiting for it (no coordinated omission).
            List<java.util.concurrent.CompletableFuture<String[]>> sent = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                long due = t0 + i * 1_000_000_000L / load.perSecond();
                for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
                    java.util.concurrent.locks.LockSupport.parkNanos(wait);
                }
                started.put(prefix + "-vm-" + i, due);
                startedMillis.put(prefix + "-vm-" + i, System.currentTimeMillis() - (System.nanoTime() - due) / 1_000_000);
                int index = i;
                sent.add(LoadClient.postAsync(base, "/v1/migrations", body(hosts, prefix, i), prefix + "-vm-" + i)
                        .whenComplete((response, error) -> answered.accept(index,
                                error == null ? response : new String[] {"error", error.toString()})));
            }
            java.util.concurrent.CompletableFuture.allOf(sent.toArray(java.util.concurrent.CompletableFuture[]::new))
                    .exceptionally(e -> null).get(60, TimeUnit.SECONDS);
        } else {
            AtomicInteger next = new AtomicInteger();
            ExecutorService pool = Executors.newFixedThreadPool(load.clients());
            List<Future<?>> futures = new ArrayList<>();
            for (int c = 0; c < load.clients(); c++) {
                futures.add(pool.submit(() -> {
                    int i;
                    while ((i = next.getAndIncrement()) < n) {
                        started.put(prefix + "-vm-" + i, System.nanoTime());
                        startedMillis.put(prefix + "-vm-" + i, System.currentTimeMillis());
                        answered.accept(i, LoadClient.postAsync(base, "/v1/migrations", body(hosts, prefix, i),
                                prefix + "-vm-" + i).get(30, TimeUnit.SECONDS));
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
            pool.shutdown();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        await("all " + prefix + " commands on the bus", Duration.ofSeconds(60),
                () -> started.keySet().stream().allMatch(watcher.arrivals::containsKey));
        long[] bus = started.entrySet().stream().mapToLong(e -> watcher.arrivals.get(e.getKey()) - e.getValue())
                .toArray();
        int duplicates = (int) watcher.duplicates.entrySet().stream()
                .filter(e -> e.getKey().startsWith(prefix + "-")).count();
        long[] relay = new long[n];
        for (int i = 0; i < n; i++) {
            String vm = prefix + "-vm-" + i;
            relay[i] = watcher.arrivals.get(vm) - (started.get(vm) + post[i]);
        }
        // CreateTime has millisecond resolution and the service's clock; same machine, so comparable
        long[] toProducer = startedMillis.entrySet().stream().mapToLong(e ->
                (watcher.producedAndArrivedMillis.get(e.getKey())[0] - e.getValue()) * 1_000_000L).toArray();
        long[] producerToConsumer = startedMillis.keySet().stream().mapToLong(vm -> {
            long[] t = watcher.producedAndArrivedMillis.get(vm);
            return (t[1] - t[0]) * 1_000_000L;
        }).toArray();
        return new Result(post, bus, relay, toProducer, producerToConsumer, accepted.get() / seconds, accepted.get(),
                duplicates, load, null);
    }

    /**
     * The measured POSTs go through Vert.x's HTTP client (keep-alive, TCP_NODELAY), the stack the
     * services use themselves: the JDK's HttpClient added ~4 ms and a good share of a core per
     * request on this 2-core machine, time and CPU that are the load driver's, not the service's.
     */
    static final class LoadClient {
        static final io.vertx.core.Vertx VERTX = io.vertx.core.Vertx.vertx();
        static final io.vertx.core.http.HttpClient CLIENT = VERTX.createHttpClient(
                new io.vertx.core.http.HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true),
                new io.vertx.core.http.PoolOptions().setHttp1MaxSize(64));

        /** {status, body} */
        static java.util.concurrent.CompletableFuture<String[]> postAsync(String base, String path, String body,
                String idempotencyKey) {
            URI uri = URI.create(base);
            return CLIENT.request(io.vertx.core.http.HttpMethod.POST, uri.getPort(), uri.getHost(), path)
                    .compose(request -> request.putHeader("Authorization", "Bearer " + TOKEN)
                            .putHeader("Content-Type", "application/json").putHeader("Idempotency-Key", idempotencyKey)
                            .send(body))
                    .compose(response -> response.body().map(b -> new String[] {
                            String.valueOf(response.statusCode()), b.toString()}))
                    .toCompletionStage().toCompletableFuture();
        }
    }

    static String body(List<String[]> hosts, String prefix, int i) {
        return "{\"vmName\":\"" + prefix + "-vm-" + i + "\",\"sourceHostId\":\"" + hosts.get(i % hosts.size())[0]
                + "\",\"destinationHostId\":\"" + hosts.get((i + 1) % hosts.size())[0] + "\"}";
    }

    /** A plain consumer on the commands topic noting when each VM's MigrationRequested arrived. */
    static final class CommandWatcher {
        final Map<String, Long> arrivals = new ConcurrentHashMap<>();
        /** wall-clock ms: the record's CreateTime (when the service's producer took it) and its arrival */
        final Map<String, long[]> producedAndArrivedMillis = new ConcurrentHashMap<>();
        final Map<String, Boolean> duplicates = new ConcurrentHashMap<>();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread thread;

        CommandWatcher(String bootstrap) {
            Properties props = new Properties();
            props.putAll(EventBus.clientProps(bootstrap));
            props.put(ConsumerConfig.GROUP_ID_CONFIG, "bench-" + System.nanoTime());
            // The broker answers a waiting fetch as soon as a record arrives: the default long poll
            // (500 ms) adds no latency, while a short one burnt CPU the service under test needs.
            KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
                    new ByteArrayDeserializer());
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.MIGRATION_COMMANDS, Duration.ofSeconds(30))
                    .stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position);
            thread = new Thread(() -> {
                try (consumer) {
                    while (running.get()) {
                        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(20))) {
                            long now = System.nanoTime();
                            try {
                                String vm = JSON.readTree(record.value()).path("vmName").asText();
                                if (arrivals.putIfAbsent(vm, now) != null) {
                                    duplicates.put(vm, true);
                                } else {
                                    producedAndArrivedMillis.put(vm, new long[] {record.timestamp(),
                                            System.currentTimeMillis()});
                                }
                            } catch (java.io.IOException ignored) {
                                // not ours
                            }
                        }
                    }
                }
            }, "bench-consumer");
        }

        void start() {
            thread.start();
        }

        void stop() throws InterruptedException {
            running.set(false);
            thread.join();
        }
    }

    static void ensureTopic(String bootstrap, String topic) throws Exception {
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
                EventBus.clientProps(bootstrap))) {
            if (!admin.listTopics().names().get(10, TimeUnit.SECONDS).contains(topic)) {
                admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(topic, 3, (short) 1)))
                        .all().get(10, TimeUnit.SECONDS);
            }
        }
    }

    static String[] registerReadyHost(String base, String name) throws Exception {
        String fqdn = name + ".bench.virtgate.test";
        int n = Math.abs(name.hashCode() % 250) + 1;
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/v1/hosts"))
                .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(Map.of("hostId", name,
                        "clusterId", "bench", "fqdn", fqdn, "managementAddresses", List.of("10.77.1." + n),
                        "migrationAddresses", List.of("10.78.1." + n))))).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 201) {
            throw new IllegalStateException("register " + name + " -> " + r.statusCode() + " " + r.body());
        }
        JsonNode created = JSON.readTree(r.body());
        String token = created.path("enrollmentToken").asText();
        SimulatedAgent agent = new SimulatedAgent(name, "bench", fqdn);
        AGENTS.put(name, agent);
        Bus.publish(agent.enrolled(token, new HostCapabilities("9.0.0", "7.2.0", true, true, List.of("scram-sha-256"),
                List.of("tls:16514"), java.util.UUID.randomUUID().toString(), "bench")));
        Bus.publish(TestTrust.pki(), agent.certIssued("ENROLLMENT"));
        reportPosture(name, agent.serial(), agent.certNotAfter());
        return new String[] {name, fqdn, agent.serial(), agent.certNotAfter().toString()};
    }

    /** What an agent sends after each probe (every 60 s), signed with its host key: without it a posture goes stale. */
    static void reportPosture(String host, String serial, Instant certNotAfter) {
        Bus.publish(AGENTS.get(host).producer(), new HostConfigured(host, "bench", serial, certNotAfter, "rot-1", 1,
                CredentialPhase.ACTIVE, true, true, true,
                List.of(new PostureCheck("unauthenticated-tcp-refused", CheckStatus.PASS, null)), null, Instant.now()));
    }

    /** The Transit signature alone, as the service does it per request (HTTP to OpenBao, ecdsa-p256). */
    static long[] transitSign(OpenBaoServer bao, int n, String key) throws Exception {
        String input = Base64.getEncoder().encodeToString(new byte[600]);
        long[] samples = new long[n];
        for (int i = 0; i < n + 100; i++) {
            long start = System.nanoTime();
            HttpResponse<String> r = bao.call("POST", "transit/sign/" + key,
                    "{\"input\":\"" + input + "\"}");
            if (r.statusCode() != 200) {
                throw new IllegalStateException("sign -> " + r.statusCode());
            }
            if (i >= 100) {
                samples[i - 100] = System.nanoTime() - start;
            }
        }
        return samples;
    }

    /** What a consumer spends on one agent's event once its certificate chain is cached: the ECDSA check and the table. */
    static long[] eventVerify(String host, int n) {
        SimulatedAgent agent = AGENTS.get(host);
        EventVerifier verifier = new EventVerifier(TrustAnchors.of(List.of(TestTrust.CA.certificate())));
        HostConfigured event = new HostConfigured(host, "bench", agent.serial(), agent.certNotAfter(), "rot-1", 1,
                CredentialPhase.ACTIVE, true, true, true,
                List.of(new PostureCheck("unauthenticated-tcp-refused", CheckStatus.PASS, null)), null, Instant.now());
        TestProducer.Signed signed = agent.producer().sign(event);
        int warm = 5000; // this driver's own JIT: ECDSA is interpreted at first
        long[] samples = new long[n];
        for (int i = 0; i < n + warm; i++) {
            long start = System.nanoTime();
            verifier.verify(signed.envelope(), signed.headers(), signed.payload(), event);
            if (i >= warm) {
                samples[i - warm] = System.nanoTime() - start;
            }
        }
        return samples;
    }

    static void row(String load, String name, long[] nanos) {
        System.out.printf("| %-10s | %-44s | %8.2f | %8.2f | %8.2f |%n", load, name,
                percentile(nanos, 50) / 1e6,
                percentile(nanos, 99) / 1e6, Arrays.stream(nanos).max().orElse(0) / 1e6);
    }

    static long percentile(long[] values, int p) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }

    static HttpResponse<String> get(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + TOKEN)
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }

    interface Check {
        boolean ok() throws Exception;
    }

    static void await(String what, Duration timeout, Check check) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (check.ok()) {
                    return;
                }
            } catch (java.io.IOException e) {
                // not up yet
            }
            Thread.onSpinWait();
            TimeUnit.MILLISECONDS.sleep(50); // a polling interval in a load generator, not a test
        }
        throw new IllegalStateException("timed out waiting for " + what);
    }

    private MigrationBench() {
    }
}
