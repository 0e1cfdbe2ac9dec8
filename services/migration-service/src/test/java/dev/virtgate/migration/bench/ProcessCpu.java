package dev.virtgate.migration.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * CPU time of a process and of its JIT compiler threads, from Linux's /proc: tells the benchmark
 * when the service under test has stopped compiling, i.e. when its figures are the steady state.
 * Also the machine's steal time: on a virtual machine the host may take the CPUs away, which shows
 * up as latency that no change to the service explains.
 */
final class ProcessCpu {
    private static final long TICK_NANOS = 1_000_000_000L / clockTicksPerSecond();
    private final Path proc;

    ProcessCpu(long pid) {
        this.proc = Path.of("/proc", Long.toString(pid));
    }

    record Sample(long totalNanos, long jitNanos, long machineTicks, long stealTicks) {
        Sample minus(Sample earlier) {
            return new Sample(totalNanos - earlier.totalNanos, jitNanos - earlier.jitNanos,
                    machineTicks - earlier.machineTicks, stealTicks - earlier.stealTicks);
        }

        /** The share of the machine's CPU time the hypervisor gave to someone else. */
        double stealShare() {
            return machineTicks == 0 ? 0 : (double) stealTicks / machineTicks;
        }

        double jitShare() {
            return totalNanos == 0 ? 0 : (double) jitNanos / totalNanos;
        }
    }

    Sample sample() throws IOException {
        long total = ticks(proc.resolve("stat"));
        long jit = 0;
        try (Stream<Path> tasks = Files.list(proc.resolve("task"))) {
            for (Path task : tasks.toList()) {
                try {
                    // "C1 CompilerThre", "C2 CompilerThre" (thread names are cut at 15 characters)
                    String name = Files.readString(task.resolve("comm"));
                    if (name.startsWith("C1 CompilerThre") || name.startsWith("C2 CompilerThre")) {
                        jit += ticks(task.resolve("stat"));
                    }
                } catch (NoSuchFileException gone) {
                    // a thread that ended between listing and reading
                }
            }
        }
        // "cpu  user nice system idle iowait irq softirq steal ..." (all CPUs, in ticks)
        String[] machine = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
        long machineTicks = 0;
        for (int i = 1; i <= 8 && i < machine.length; i++) {
            machineTicks += Long.parseLong(machine[i]);
        }
        long steal = machine.length > 8 ? Long.parseLong(machine[8]) : 0;
        return new Sample(total * TICK_NANOS, jit * TICK_NANOS, machineTicks, steal);
    }

    /** utime + stime: fields 14 and 15 of stat, counted after the command name in parentheses. */
    private static long ticks(Path stat) throws IOException {
        String line = Files.readString(stat);
        String[] fields = line.substring(line.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }

    private static long clockTicksPerSecond() {
        try {
            Process getconf = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String out = new String(getconf.getInputStream().readAllBytes()).trim();
            return getconf.waitFor() == 0 ? Long.parseLong(out) : 100;
        } catch (IOException | NumberFormatException e) {
            return 100;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 100;
        }
    }
}
