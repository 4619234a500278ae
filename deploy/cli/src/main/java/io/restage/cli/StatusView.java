package io.restage.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A refresh (the JSON of {@code GET /api/refreshes/{id}}) as terminal text: the saga's steps with their durations and
 * progress, each table's counts through the pipeline with a bar, anonymizers skipped (upper case, they copy personal
 * data), schema differences, media, the leak audit, errors. A pure function of the JSON and the clock.
 */
public final class StatusView {
    static final int BAR = 20;

    private StatusView() {
    }

    public static String render(JsonNode r, Instant now) {
        StringBuilder sb = new StringBuilder();
        String status = r.path("status").asText("?");
        Instant created = instant(r.path("createdAt"));
        Instant end = instant(r.path("finishedAt"));
        sb.append("refresh ").append(r.path("id").asText()).append("  ").append(r.path("source").asText()).append(" -> ")
                .append(r.path("target").asText()).append("  ").append(status);
        if (created != null) {
            sb.append("  ").append(duration(Duration.between(created, end != null ? end : now)));
        }
        sb.append('\n');
        sb.append("  requested by ").append(r.path("requestedBy").asText("?"));
        if (created != null) {
            sb.append(" at ").append(created);
        }
        if (r.hasNonNull("snapshotAt")) {
            sb.append(", source snapshot ").append(r.get("snapshotAt").asText());
        }
        sb.append('\n');
        if (r.hasNonNull("subset")) {
            sb.append("  SUBSET ").append(r.get("subset").asText()).append(": only its roots' world was copied\n");
        }
        if (r.hasNonNull("error")) {
            sb.append("  error: ").append(r.get("error").asText()).append('\n');
        }

        sb.append("steps\n");
        for (Iterator<Map.Entry<String, JsonNode>> it = r.path("steps").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode s = e.getValue();
            String st = s.path("status").asText("PENDING");
            if ("SKIPPED".equals(st) && !s.hasNonNull("compensation")) {
                continue;
            }
            sb.append(String.format("  %-12s %-10s", e.getKey(), st.toLowerCase()));
            Instant started = instant(s.path("startedAt"));
            Instant ended = instant(s.path("endedAt"));
            if (started != null) {
                sb.append(String.format(" %9s", duration(Duration.between(started, ended != null ? ended : now))));
            }
            JsonNode p = s.path("progress");
            if ("RUNNING".equals(st) && p.isObject() && p.path("total").asLong(-1) > 0) {
                long done = p.path("done").asLong();
                long total = p.path("total").asLong();
                sb.append("  ").append(bar(done, total)).append(' ').append(done).append('/').append(total).append(' ')
                        .append(p.path("unit").asText(""));
                if (p.hasNonNull("detail")) {
                    sb.append(" (").append(p.get("detail").asText()).append(')');
                }
            }
            if (s.hasNonNull("compensation")) {
                sb.append("  compensation ").append(s.get("compensation").asText().toLowerCase());
            }
            if (s.path("unconfirmed").asBoolean()) {
                sb.append("  UNCONFIRMED");
            }
            if (s.hasNonNull("error")) {
                sb.append("\n               ").append(s.get("error").asText());
            }
            sb.append('\n');
        }

        JsonNode tables = r.path("tables");
        if (tables.size() > 0) {
            int w = 5;
            for (Iterator<String> it = tables.fieldNames(); it.hasNext(); ) {
                w = Math.max(w, it.next().length());
            }
            w = Math.min(w, 48);
            sb.append(String.format("%-" + (w + 2) + "s %-" + (BAR + 2) + "s %10s %10s %10s %10s%n", "tables", "",
                    "exported", "anonymized", "staged", "imported"));
            for (Iterator<Map.Entry<String, JsonNode>> it = tables.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode t = e.getValue();
                long exported = t.path("exported").asLong(-1);
                int stages = 0;
                for (String k : List.of("exported", "anonymized", "staged", "imported")) {
                    if (t.hasNonNull(k)) {
                        stages++;
                    }
                }
                String name = e.getKey().length() > w ? "..." + e.getKey().substring(e.getKey().length() - w + 3) : e.getKey();
                sb.append(String.format("  %-" + w + "s %s %10s %10s %10s %10s%n", name, bar(stages, 4), count(t, "exported"),
                        count(t, "anonymized"), count(t, "staged"), count(t, "imported")));
                if (exported >= 0 && t.hasNonNull("imported") && t.get("imported").asLong() != exported) {
                    sb.append("    imported ").append(t.get("imported").asLong()).append(" of ").append(exported).append(" rows\n");
                }
            }
        }

        list(sb, "anonymizers ran", r.path("anonymizersRan"), false);
        list(sb, "anonymizers SKIPPED (personal data copied as is)", r.path("anonymizersSkipped"), true);
        list(sb, "tables excluded by the policy", r.path("excludedTables"), false);
        list(sb, "tables skipped", r.path("skippedTables"), false);
        list(sb, "tables missing in the target", r.path("missingTables"), false);
        list(sb, "columns dropped (not in the target)", r.path("droppedColumns"), false);
        list(sb, "columns defaulted (only in the target)", r.path("defaultedColumns"), false);
        list(sb, "columns converted", r.path("convertedColumns"), false);
        JsonNode m = r.path("mediaStats");
        if (r.path("media").asBoolean() && m.isObject()) {
            sb.append(String.format("media: %d copied, %d unchanged, %d overwritten, %s, %d pruned%n", m.path("copied").asLong(),
                    m.path("unchanged").asLong(), m.path("overwritten").asLong(), bytes(m.path("bytes").asLong()),
                    m.path("pruned").asLong()));
            if (m.path("placeholders").asLong() > 0 || m.path("missing").asLong() > 0) {
                sb.append(String.format("media: %d PLACEHOLDERS of personal files, %d referenced keys not in the source%n",
                        m.path("placeholders").asLong(), m.path("missing").asLong()));
            }
        }
        JsonNode leak = r.path("leakAudit");
        if (leak.isObject()) {
            sb.append(String.format("leak audit: %d values in %d columns against %d fingerprints, %d hits%n",
                    leak.path("scannedValues").asLong(), leak.path("scannedColumns").asLong(), leak.path("fingerprints").asLong(),
                    leak.path("hits").size()));
            for (JsonNode h : leak.path("hits")) {
                sb.append("  hit: ").append(h.asText()).append('\n');
            }
        }
        for (JsonNode h : r.path("hooks")) {
            sb.append("hook ").append(h.path("name").asText()).append(" (").append(h.path("when").asText()).append("): ")
                    .append(h.path("ok").asBoolean() ? "ok" : "FAILED").append(", ").append(h.path("detail").asText()).append('\n');
        }
        JsonNode undo = r.path("undo");
        if (undo.isObject()) {
            sb.append("undo: ").append(undo.path("status").asText("?").toLowerCase()).append(" (asked by ")
                    .append(undo.path("requestedBy").asText("?")).append(")");
            if (undo.hasNonNull("error")) {
                sb.append(": ").append(undo.get("error").asText());
            }
            sb.append('\n');
            if (undo.hasNonNull("mediaStatus")) {
                sb.append("undo media: ").append(undo.get("mediaStatus").asText().toLowerCase()).append(", ")
                        .append(undo.path("mediaRemoved").asLong()).append(" removed, ").append(undo.path("mediaRestored").asLong())
                        .append(" restored");
                if (undo.hasNonNull("mediaError")) {
                    sb.append(": ").append(undo.get("mediaError").asText());
                }
                sb.append('\n');
            }
        }
        for (JsonNode n : r.path("notes")) {
            sb.append("note: ").append(n.asText()).append('\n');
        }
        for (JsonNode p : r.path("policyProblems")) {
            sb.append("policy problem: ").append(p.asText()).append('\n');
        }
        return sb.toString();
    }

    /** One line per refresh for {@code list}. */
    public static String line(JsonNode r, Instant now) {
        Instant created = instant(r.path("createdAt"));
        Instant end = instant(r.path("finishedAt"));
        return String.format("%-36s  %-20s  %-28s  %-19s  %9s  %s", r.path("id").asText(),
                created == null ? "" : created.toString().substring(0, Math.min(19, created.toString().length())),
                r.path("source").asText() + " -> " + r.path("target").asText(), r.path("status").asText(),
                created == null ? "" : duration(Duration.between(created, end != null ? end : now)),
                r.path("requestedBy").asText(""));
    }

    public static String header() {
        return String.format("%-36s  %-20s  %-28s  %-19s  %9s  %s", "ID", "CREATED (UTC)", "SOURCE -> TARGET", "STATUS",
                "TOOK", "REQUESTED BY");
    }

    static String bar(long done, long total) {
        int filled = total <= 0 ? 0 : (int) Math.min(BAR, Math.round((double) BAR * Math.max(0, done) / total));
        return "[" + "#".repeat(filled) + ".".repeat(BAR - filled) + "]";
    }

    static String duration(Duration d) {
        long ms = Math.max(0, d.toMillis());
        if (ms < 60_000) {
            return String.format("%.1f s", ms / 1000.0);
        }
        long s = ms / 1000;
        return s < 3600 ? String.format("%dm%02ds", s / 60, s % 60) : String.format("%dh%02dm", s / 3600, (s % 3600) / 60);
    }

    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int i = -1;
        while (v >= 1024 && i < units.length - 1) {
            v /= 1024;
            i++;
        }
        return String.format("%.1f %s", v, units[i]);
    }

    private static String count(JsonNode t, String k) {
        return t.hasNonNull(k) ? Long.toString(t.get(k).asLong()) : "-";
    }

    private static void list(StringBuilder sb, String title, JsonNode items, boolean upper) {
        if (!items.isArray() || items.isEmpty()) {
            return;
        }
        List<String> xs = new ArrayList<>();
        items.forEach(i -> xs.add(upper ? i.asText().toUpperCase() : i.asText()));
        sb.append(title).append(": ").append(String.join(", ", xs)).append('\n');
    }

    private static Instant instant(JsonNode n) {
        if (n == null || n.isNull() || n.isMissingNode()) {
            return null;
        }
        if (n.isNumber()) {
            return Instant.ofEpochMilli((long) (n.asDouble() * 1000));
        }
        try {
            return Instant.parse(n.asText());
        } catch (java.time.format.DateTimeParseException e) {
            return null;
        }
    }
}
