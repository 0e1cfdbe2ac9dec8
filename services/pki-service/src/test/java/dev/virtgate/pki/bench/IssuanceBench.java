package dev.virtgate.pki.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.virtgate.pki.config.CaKeyType;
import dev.virtgate.pki.pki.BatchingTransitSigner;
import dev.virtgate.pki.pki.CaSigner;
import dev.virtgate.pki.pki.CertificateFactory;
import dev.virtgate.pki.pki.CsrInspector;
import dev.virtgate.pki.pki.HostIdentity;
import dev.virtgate.pki.pki.Pem;
import dev.virtgate.pki.pki.TransitKeys;
import dev.virtgate.testsupport.OpenBaoServer;
import dev.virtgate.testsupport.trust.TestCsr;
import dev.virtgate.testsupport.trust.TestKeys;
import io.quarkus.vault.client.VaultClient;
import io.quarkus.vault.client.common.VaultJSONResultExtractor;
import io.quarkus.vault.client.common.VaultRequest;
import io.quarkus.vault.client.http.vertx.VertxVaultHttpClient;
import io.vertx.core.Vertx;
import io.vertx.ext.web.client.WebClient;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * End-to-end issuance, CSR PEM in -> signed certificate PEM out, on one real OpenBao:
 * virtgate (CSR checks + BouncyCastle + Transit prehashed signing, batched or not) side by side with
 * OpenBao's own PKI engine ({@code pki/sign/:role}) signing the same CSRs. Prints a table.
 * Run by services/pki-service/bench.sh.
 */
public final class IssuanceBench {
    static final String BATCHED = "virtgate Transit (batched)";
    static final String PKI = "OpenBao PKI pki/sign/:role";
    record Csr(String hostId, String fqdn, String ip, String pem) {
    }

    record Row(String engine, int concurrency, int count, double seconds, double p50, double p99) {
    }

    public static void main(String[] args) throws Exception {
        int count = Integer.getInteger("bench.count", 400);
        int rounds = Integer.getInteger("bench.rounds", 3);
        int[] concurrencies = {1, 8, 32};
        OpenBaoServer bao = OpenBaoServer.shared();
        try {
            run(bao, count, rounds, concurrencies);
        } finally {
            bao.stop();
        }
        System.exit(0);
    }

    static void run(OpenBaoServer bao, int count, int rounds, int[] concurrencies) throws Exception {
        // The HTTP stack the service itself uses (quarkus-vault's Vert.x client), for both engines.
        Vertx vertx = Vertx.vertx();
        VaultClient vault = VaultClient.builder().baseUrl(bao.address()).clientToken(bao.rootToken())
                .executor(new VertxVaultHttpClient(WebClient.create(vertx))).build();

        // virtgate CA: non-exportable Transit key + self-signed root built with BouncyCastle
        TransitKeys keys = new TransitKeys(vault, "transit", "bench-ca", CaKeyType.ECDSA_P256);
        var key = keys.create();
        SubjectPublicKeyInfo caKey = SubjectPublicKeyInfo.getInstance(keys.publicKey(key, 1).getEncoded());
        BatchingTransitSigner batching = new BatchingTransitSigner(keys, 64, 2);
        CaSigner single = (version, digest) -> keys.signBatch(version, List.of(digest)).get(0);
        CertificateFactory batched = new CertificateFactory(CaKeyType.ECDSA_P256, batching);
        CertificateFactory unbatched = new CertificateFactory(CaKeyType.ECDSA_P256, single);
        X509CertificateHolder root = batched.selfSignedCa(new X500Name("CN=bench CA,O=virtgate"), caKey, 1,
                Duration.ofDays(3650));
        CertificateFactory.Issuer issuer = new CertificateFactory.Issuer(root, 1);

        // OpenBao PKI engine: internal EC P-256 root and a role that signs the same CSRs
        check(bao.call("POST", "pki/root/generate/internal",
                "{\"common_name\":\"bench PKI root\",\"key_type\":\"ec\",\"key_bits\":256,\"ttl\":\"87600h\"}"));
        check(bao.call("POST", "pki/roles/bench", "{\"allow_any_name\":true,\"enforce_hostnames\":false,"
                + "\"allow_ip_sans\":true,\"key_type\":\"any\",\"ttl\":\"720h\",\"max_ttl\":\"720h\","
                + "\"server_flag\":true,\"client_flag\":true,\"key_usage\":[\"DigitalSignature\",\"KeyEncipherment\"]}"));

        System.out.printf("generating %d EC P-256 CSRs...%n", count);
        List<Csr> csrs = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String hostId = "bench-" + i;
            String fqdn = hostId + ".lab.example";
            String ip = "10.1." + (i / 250) + "." + (i % 250 + 1);
            csrs.add(new Csr(hostId, fqdn, ip, TestCsr.pem(TestKeys.p256(), fqdn, List.of(fqdn), List.of())));
        }

        Function<Csr, String> transitBatched = csr -> viaTransit(batched, issuer, csr);
        Function<Csr, String> transitSingle = csr -> viaTransit(unbatched, issuer, csr);
        Function<Csr, String> pkiEngine = csr -> viaPki(vault, csr);

        // warm-up (JIT, connections)
        for (int warmUp : new int[] {8, 1}) {
            for (Function<Csr, String> engine : List.of(transitBatched, transitSingle, pkiEngine)) {
                measure("warm-up", warmUp, csrs.subList(0, Math.min(200, count)), engine);
            }
        }

        // Rounds with the engines in rotating order, medians per cell: one engine's unlucky second
        // (a GC, OpenBao's storage growing) must not decide the comparison.
        Map<String, Function<Csr, String>> engines = new java.util.LinkedHashMap<>();
        engines.put(BATCHED, transitBatched);
        engines.put("virtgate Transit (1 sign/call)", transitSingle);
        engines.put(PKI, pkiEngine);
        List<String> names = new ArrayList<>(engines.keySet());
        Map<String, List<Row>> cells = new java.util.LinkedHashMap<>();
        for (int concurrency : concurrencies) {
            names.forEach(name -> cells.put(name + "@" + concurrency, new ArrayList<>()));
        }
        for (int round = 0; round < rounds; round++) {
            for (int concurrency : concurrencies) {
                for (int i = 0; i < names.size(); i++) {
                    String name = names.get((i + round) % names.size());
                    cells.get(name + "@" + concurrency).add(measure(name, concurrency, csrs, engines.get(name)));
                }
            }
        }
        batching.close();
        vertx.close();

        System.out.println();
        System.out.printf("medians of %d rounds of %d CSRs per cell%n", rounds, count);
        System.out.printf("%-32s %5s %12s %9s %9s%n", "engine", "conc", "certs/s", "p50 ms", "p99 ms");
        System.out.println("-".repeat(71));
        for (int concurrency : concurrencies) {
            for (String name : names) {
                List<Row> runs = cells.get(name + "@" + concurrency);
                System.out.printf("%-32s %5d %12.1f %9.2f %9.2f%n", name, concurrency,
                        median(runs.stream().map(r -> r.count() / r.seconds()).toList()),
                        median(runs.stream().map(Row::p50).toList()), median(runs.stream().map(Row::p99).toList()));
            }
        }
        System.out.println();
        for (int concurrency : concurrencies) {
            double transit = median(cells.get(BATCHED + "@" + concurrency).stream().map(r -> r.count() / r.seconds()).toList());
            double pki = median(cells.get(PKI + "@" + concurrency).stream().map(r -> r.count() / r.seconds()).toList());
            System.out.printf("concurrency %2d: Transit(batched)/PKI throughput ratio %.2f%n", concurrency, transit / pki);
        }
    }

    static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    /** What the service does per request, minus the database: check the CSR, build, sign via Transit. */
    static String viaTransit(CertificateFactory factory, CertificateFactory.Issuer issuer, Csr csr) {
        CsrInspector.CsrFacts facts = CsrInspector.inspect(csr.pem());
        HostIdentity host = new HostIdentity(csr.hostId(), "bench", csr.fqdn(), List.of(csr.fqdn()), List.of(csr.ip()));
        Instant now = Instant.now();
        X509CertificateHolder cert = factory.leaf(issuer, host, facts.publicKeyInfo(), CertificateFactory.newSerial(),
                now.minusSeconds(300), now.plus(Duration.ofDays(30)));
        return Pem.write(cert);
    }

    static String viaPki(VaultClient vault, Csr csr) {
        VaultRequest<JsonNode> request = VaultRequest.<JsonNode>post("PKI sign").path("pki", "sign", "bench")
                .body(Map.of("csr", csr.pem(), "common_name", csr.fqdn(), "ip_sans", csr.ip(), "ttl", "720h"))
                .expectOkStatus().build(VaultJSONResultExtractor.of(JsonNode.class));
        try {
            return vault.execute(request).toCompletableFuture().get(30, TimeUnit.SECONDS).getResult()
                    .path("data").path("certificate").asText();
        } catch (Exception e) {
            throw new IllegalStateException("pki/sign failed", e);
        }
    }

    static Row measure(String engine, int concurrency, List<Csr> csrs, Function<Csr, String> issue) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        List<Double> latencies = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger next = new AtomicInteger();
        long start = System.nanoTime();
        List<Future<?>> workers = new ArrayList<>();
        for (int w = 0; w < concurrency; w++) {
            workers.add(pool.submit(() -> {
                int i;
                while ((i = next.getAndIncrement()) < csrs.size()) {
                    long t0 = System.nanoTime();
                    String pem = issue.apply(csrs.get(i));
                    latencies.add((System.nanoTime() - t0) / 1e6);
                    if (!pem.startsWith("-----BEGIN CERTIFICATE-----")) {
                        throw new IllegalStateException("no certificate from " + engine);
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : workers) {
            f.get();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        pool.shutdown();
        List<Double> sorted = new ArrayList<>(latencies);
        Collections.sort(sorted);
        return new Row(engine, concurrency, csrs.size(), seconds, percentile(sorted, 0.50), percentile(sorted, 0.99));
    }

    static double percentile(List<Double> sorted, double p) {
        int index = (int) Math.ceil(p * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }

    static void check(HttpResponse<String> response) {
        if (response.statusCode() >= 300) {
            throw new IllegalStateException(response.statusCode() + " " + response.body());
        }
    }

    private IssuanceBench() {
    }
}
