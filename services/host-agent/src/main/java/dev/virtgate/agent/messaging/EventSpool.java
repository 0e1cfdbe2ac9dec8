package dev.virtgate.agent.messaging;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.virtgate.agent.files.SecureFiles;
import dev.virtgate.contracts.CloudEventHeaders;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * The agent's outbox: it has no database, so an event that must not be lost (a migration's result)
 * is written to a file in the state directory before it is sent, and the file is deleted only once
 * the broker has acknowledged it. Files left behind (broker away longer than the producer's
 * delivery timeout, agent restarted) are sent again, in the order they were written, with the
 * same CloudEvents id, so consumers that deduplicate by {@code ce_id} see the event once.
 * Written by hand: a few files in a directory the agent already owns, rather than an embedded queue.
 */
public final class EventSpool {
    private static final Logger LOG = Logger.getLogger(EventSpool.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicLong SEQUENCE = new AtomicLong();

    /** One spooled record, as it goes to Kafka. */
    public record Entry(String topic, String key, Map<String, String> headers, String payload) {
    }

    /** An entry and the file that holds it. */
    public record Pending(Path file, Entry entry) {
    }

    private final Path dir;
    private final Set<Path> inFlight = ConcurrentHashMap.newKeySet();

    public EventSpool(Path dir) {
        this.dir = dir;
    }

    /** Writes the entry durably (fsync, rename, 0600) and returns it claimed by the caller, who sends it. */
    public Pending write(Entry entry) {
        SecureFiles.createPrivateDirectory(dir);
        // time first, then a per-process sequence: file names sort in the order events were produced
        String name = String.format("%016d-%08d-%s.json", System.currentTimeMillis(), SEQUENCE.incrementAndGet(),
                entry.headers().getOrDefault(CloudEventHeaders.ID, "event").replaceAll("[^A-Za-z0-9-]", "_"));
        Path file = dir.resolve(name);
        try {
            SecureFiles.writeAtomically(file, JSON.writeValueAsBytes(entry), "rw-------", null);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise a spooled event", e);
        }
        inFlight.add(file);
        return new Pending(file, entry);
    }

    /** Spooled entries nobody is sending right now, oldest first; each returned entry is claimed. */
    public List<Pending> claimPending() {
        List<Pending> claimed = new ArrayList<>();
        for (Path file : spooledFiles()) {
            if (!inFlight.add(file)) {
                continue;
            }
            try {
                claimed.add(new Pending(file, JSON.readValue(Files.readString(file, StandardCharsets.UTF_8),
                        Entry.class)));
            } catch (IOException e) {
                inFlight.remove(file);
                LOG.errorf("spooled event %s is unreadable (%s); left in place for an operator", file,
                        e.getClass().getSimpleName());
            }
        }
        return claimed;
    }

    /** The broker has it: the file goes. */
    public void delivered(Pending pending) {
        SecureFiles.delete(pending.file());
        inFlight.remove(pending.file());
    }

    /** Not delivered: the file stays for the next attempt. */
    public void release(Pending pending) {
        inFlight.remove(pending.file());
    }

    public int size() {
        return spooledFiles().size();
    }

    /** The spool's files in the order they were written (their names start with time and sequence). */
    private List<Path> spooledFiles() {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().matches("\\d{16}-.*\\.json")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
