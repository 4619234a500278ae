package io.restage.launcher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * CPU seconds spent on this machine, from /proc: the whole machine (busy time of every core), PostgreSQL (every server
 * process, and the backends that ended, through the postmaster's children time) and the stack's JVM (Kafka and the S3
 * server). A benchmark takes a reading before and after a run and prints the difference; empty where there is no /proc.
 */
final class CpuMeter {
    private static final double TICKS = 100.0;

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
            Map<String, Double> byDb = new java.util.TreeMap<>();
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
                            postgres += own + children;
                            // "postgres: user database host(port) state": a live backend, by database; else the postmaster
                            // (its children time holds the backends that ended) and the background processes
                            String[] title = Files.readString(p.resolve("cmdline")).replace('\0', ' ').trim().split("\\s+");
                            String group = title.length > 3 && title[0].equals("postgres:") && title[3].contains("(")
                                    ? "postgres db " + title[2] : "postgres other";
                            byDb.merge(group, own + children, Double::sum);
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
            out.putAll(byDb);
        } catch (IOException | RuntimeException e) {
            // no /proc: nothing to report
        }
        return out;
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
