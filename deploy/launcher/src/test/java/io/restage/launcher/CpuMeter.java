package io.restage.launcher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * CPU seconds spent on this machine, from /proc: the whole machine (busy time of every core), PostgreSQL (every server
 * process, and the backends that ended, through the postmaster's children time; split by database, autovacuum and
 * background process from samples) and the stack's JVM (Kafka and the S3 server). A benchmark takes a reading before and after a run and prints the difference; empty where there is no /proc.
 */
final class CpuMeter {
    private static final double TICKS = 100.0;
    /**
     * PostgreSQL's CPU by group ({@link #postgresGroup}), cumulative, sampled every 250 ms from each process's own
     * time: a process that ends (a session, an autovacuum worker) is counted up to its last sample, so its group shows
     * even though its time then only reaches the postmaster's children time.
     */
    private static final Map<String, Double> SAMPLED = new java.util.HashMap<>();
    private static final Map<Long, Double> LAST = new java.util.HashMap<>();
    private static boolean sampledOnce;

    static {
        java.util.concurrent.ScheduledExecutorService sampler = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "cpu-meter");
            t.setDaemon(true);
            return t;
        });
        sampler.scheduleAtFixedRate(CpuMeter::sample, 0, 250, java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    private static void sample() {
        Map<Long, Double> seen = new java.util.HashMap<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : (Iterable<Path>) procs.filter(x -> x.getFileName().toString().matches("\\d+"))::iterator) {
                try {
                    String stat = Files.readString(p.resolve("stat"));
                    if (!stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')')).equals("postgres")) {
                        continue;
                    }
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    double own = (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS;
                    long pid = Long.parseLong(p.getFileName().toString());
                    String group = postgresGroup(Files.readString(p.resolve("cmdline")).replace('\0', ' ').trim().split("\\s+"));
                    seen.put(pid, own);
                    double delta = own - LAST.getOrDefault(pid, sampledOnce ? 0.0 : own);
                    if (delta > 0) {
                        synchronized (SAMPLED) {
                            SAMPLED.merge(group, delta, Double::sum);
                        }
                    }
                } catch (IOException | RuntimeException gone) {
                    // the process ended while it was read
                }
            }
        } catch (IOException | RuntimeException e) {
            return; // no /proc
        }
        LAST.clear();
        LAST.putAll(seen);
        sampledOnce = true;
    }

    private CpuMeter() {
    }

    /** Seconds per group: "machine", "postgres", "kafka + s3 (stack JVM)". */
    static Map<String, Double> read() {
        Map<String, Double> out = new LinkedHashMap<>();
        try {
            String[] cpu = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            // user nice system idle iowait irq softirq steal: busy = all but idle and iowait
            long busy = 0;
            for (int i = 1; i <= 8 && i < cpu.length; i++) {
                if (i != 4 && i != 5) {
                    busy += Long.parseLong(cpu[i]);
                }
            }
            out.put("machine", busy / TICKS);
            double postgres = 0;
            double stack = 0;
            try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
                for (Path p : (Iterable<Path>) procs.filter(x -> x.getFileName().toString().matches("\\d+"))::iterator) {
                    try {
                        String stat = Files.readString(p.resolve("stat"));
                        String comm = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                        // utime 14, stime 15, cutime 16, cstime 17 (fields from 3 on are f[0]...)
                        double own = (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS;
                        double children = (Long.parseLong(f[13]) + Long.parseLong(f[14])) / TICKS;
                        if (comm.equals("postgres")) {
                            postgres += own + children; // exact: the backends that ended are the postmaster's children
                        } else if (comm.equals("java") && Files.readString(p.resolve("cmdline")).contains("io.restage.stack.StackMain")) {
                            stack += own;
                        }
                    } catch (IOException | RuntimeException gone) {
                        // the process ended while it was read
                    }
                }
            }
            out.put("postgres", postgres);
            out.put("kafka + s3 (stack JVM)", stack);
            synchronized (SAMPLED) {
                out.putAll(new java.util.TreeMap<>(SAMPLED));
            }
        } catch (IOException | RuntimeException e) {
            // no /proc: nothing to report
        }
        return out;
    }

    /**
     * The group of a PostgreSQL process by its title: a live backend by database ("postgres: user db host(port) ..."),
     * autovacuum workers, the other background processes by name; the postmaster itself is "postgres postmaster".
     */
    static String postgresGroup(String[] title) {
        if (title.length == 0 || !title[0].equals("postgres:")) {
            return "postgres postmaster";
        }
        if (title.length > 3 && title[3].contains("(")) {
            return "postgres db " + title[2];
        }
        if (title.length > 2 && title[1].equals("autovacuum") && title[2].equals("worker")) {
            return "postgres autovacuum";
        }
        return "postgres " + String.join(" ", java.util.Arrays.copyOfRange(title, 1, title.length));
    }

    /** {@code after - before} per group, formatted "machine 41.2 s, postgres 12.0 s, ...". */
    static String since(Map<String, Double> before) {
        Map<String, Double> after = read();
        StringBuilder b = new StringBuilder();
        after.forEach((k, v) -> {
            if (b.length() > 0) {
                b.append(", ");
            }
            b.append(String.format(java.util.Locale.ROOT, "%s %.1f s", k, v - before.getOrDefault(k, 0.0)));
        });
        return b.toString();
    }
}
