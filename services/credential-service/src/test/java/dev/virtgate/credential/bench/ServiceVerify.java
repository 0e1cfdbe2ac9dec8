package dev.virtgate.credential.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/**
 * The service's own verification timers from {@code /q/metrics}: per record (decode + signature +
 * table, measured on the verifying thread) and per batch (wall time, the batch verified in parallel).
 */
record ServiceVerify(long records, double recordSeconds, double batchSeconds) {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    static ServiceVerify read(String base) {
        try {
            String text = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/q/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            return new ServiceVerify((long) value(text, "virtgate_credential_verify_record_seconds_count"),
                    value(text, "virtgate_credential_verify_record_seconds_sum"),
                    value(text, "virtgate_credential_verify_batch_seconds_sum"));
        } catch (Exception e) {
            throw new IllegalStateException("cannot read the service's metrics", e);
        }
    }

    ServiceVerify minus(ServiceVerify before) {
        return new ServiceVerify(records - before.records, recordSeconds - before.recordSeconds,
                batchSeconds - before.batchSeconds);
    }

    double perRecordMillis() {
        return records == 0 ? 0 : 1000 * recordSeconds / records;
    }

    private static double value(String text, String metric) {
        for (String line : text.split("\n")) {
            if (line.startsWith(metric + " ") || line.startsWith(metric + "{")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return 0;
    }
}
