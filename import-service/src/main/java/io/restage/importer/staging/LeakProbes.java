package io.restage.importer.staging;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.restage.common.batch.CopyText;
import io.restage.common.policy.LeakFingerprints;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * The leak audit's probes of one batch, taken while it is staged: the same values the audit's SQL would read from the
 * staged table afterwards (whole values, the words of free text that hold a digit or an @, the strings inside JSON, the
 * elements of text arrays), normalised and fingerprinted here ({@link LeakFingerprints.Collector}: no copy per candidate). Each column's probes are de-duplicated within the
 * batch. The staged rows are never read again for the audit: the end is one join of probes against fingerprints.
 */
public final class LeakProbes {
    /** The separators of free text, as in the audit's SQL. */
    static final Pattern WORD_SPLIT = Pattern.compile("[\\s,;:<>()\\[\\]{}\"'|]+");

    /**
     * A JSON factory that neither canonicalises nor interns field names: the audit reads only the string values, and
     * the symbol table of every parser's keys cost more than the scan itself.
     */
    private static final JsonFactory STRINGS_ONLY = JsonFactory.builder()
            .disable(JsonFactory.Feature.CANONICALIZE_FIELD_NAMES)
            .disable(JsonFactory.Feature.INTERN_FIELD_NAMES)
            .build();

    /** How a staged column is read: as text, as JSON (its strings), as a text array (its elements). */
    public enum Shape { TEXT, JSON, TEXT_ARRAY }

    /** A column of the batch the audit scans: its position in the batch's rows. */
    public record Scanned(int index, String name, Shape shape) {
    }

    /** One column's probes: distinct keyed fingerprints and how many values were looked at. */
    public record ColumnProbes(String column, long[] fingerprints, long values) {
    }

    /** Where the candidates of a value go: the characters [from, to) of {@code v}, normalised by the receiver. */
    interface Candidates {
        void add(String v, int from, int to);
    }

    /** The probes of every scanned column of one batch of COPY text rows with {@code fields} fields each. */
    public static List<ColumnProbes> probe(byte[] rows, int fields, List<Scanned> columns, byte[] key) {
        List<ColumnProbes> out = new ArrayList<>(columns.size());
        if (columns.isEmpty()) {
            return out;
        }
        int[] starts = new int[fields];
        int[] ends = new int[fields];
        int n = columns.size();
        long[] counts = new long[n];
        int[] index = new int[n];
        Shape[] shapes = new Shape[n];
        // per column: its fingerprints, collected without copying a candidate (trimmed, lower-cased and hashed in one pass)
        LeakFingerprints.Collector[] collectors = new LeakFingerprints.Collector[n];
        @SuppressWarnings("unchecked")
        Consumer<String>[] sinks = new Consumer[n];
        for (int i = 0; i < n; i++) {
            index[i] = columns.get(i).index();
            shapes[i] = columns.get(i).shape();
            LeakFingerprints.Collector collector = new LeakFingerprints.Collector(key);
            collectors[i] = collector;
            Candidates candidates = collector::add;
            int k = i;
            sinks[i] = s -> {
                counts[k]++;
                candidates(s, candidates);
            };
        }
        int pos = 0;
        while (pos < rows.length) {
            int end = CopyText.rowEnd(rows, pos, rows.length);
            if (CopyText.split(rows, pos, end, starts, ends) != fields) {
                throw new IllegalStateException("a staged row has another number of fields than its batch declares");
            }
            for (int i = 0; i < n; i++) {
                String v = CopyText.decode(rows, starts[index[i]], ends[index[i]]);
                if (v == null) {
                    continue;
                }
                switch (shapes[i]) {
                    case TEXT -> sinks[i].accept(v);
                    case JSON -> jsonStrings(v, sinks[i]);
                    case TEXT_ARRAY -> arrayElements(v, sinks[i]);
                }
            }
            pos = end + 1;
        }
        for (int i = 0; i < n; i++) {
            int distinct = collectors[i].distinct();
            out.add(new ColumnProbes(columns.get(i).name(), Arrays.copyOf(collectors[i].values(), distinct), counts[i]));
        }
        return out;
    }

    /** The normalised candidates of one value, collected in a set (what the tests compare with the SQL's). */
    static void candidates(String v, Set<String> out) {
        candidates(v, (s, from, to) -> {
            String n = LeakFingerprints.normalize(s.substring(from, to));
            if (LeakFingerprints.auditable(n)) {
                out.add(n);
            }
        });
    }

    /**
     * The candidates of one value: the value, and (free text) each word that holds a digit or an @ and had at least
     * {@link LeakFingerprints#MIN_LENGTH} characters before trailing . ! ? were cut. The receiver normalises them and
     * keeps those long enough to have a fingerprint.
     */
    static void candidates(String v, Candidates out) {
        out.add(v, 0, v.length());
        // one pass over the characters instead of two regular expressions (the same separators as WORD_SPLIT)
        int n = v.length();
        int start = -1;
        boolean separated = false;
        boolean digitOrAt = false;
        for (int i = 0; i <= n; i++) {
            char c = i < n ? v.charAt(i) : ' ';
            if (isSeparator(c)) {
                if (i < n) {
                    separated = true;
                }
                if (start >= 0 && separated && digitOrAt) {
                    word(v, start, i, out);
                }
                start = -1;
                digitOrAt = false;
            } else {
                if (start < 0) {
                    start = i;
                }
                digitOrAt |= c == '@' || c >= '0' && c <= '9';
            }
        }
        // a value without any separator is one word: the value itself, already added
    }

    /** A word of at least MIN_LENGTH characters (before trailing . ! ? are cut), as the audit's SQL takes it. */
    private static void word(String v, int from, int to, Candidates out) {
        if (v.codePointCount(from, to) < LeakFingerprints.MIN_LENGTH) {
            return;
        }
        int e = to;
        while (e > from && (v.charAt(e - 1) == '.' || v.charAt(e - 1) == '!' || v.charAt(e - 1) == '?')) {
            e--;
        }
        out.add(v, from, e);
    }

    /** The separators of {@link #WORD_SPLIT}: whitespace ({@code \s}) and , ; : < > ( ) [ ] { } " ' |. */
    static boolean isSeparator(char c) {
        return c < SEPARATORS.length && SEPARATORS[c]; // a table: a switch over 20 cases was a fifth of the probe time
    }

    private static final boolean[] SEPARATORS = new boolean[128];

    static {
        for (char c : " \t\n\u000B\f\r,;:<>()[]{}\"'|".toCharArray()) {
            SEPARATORS[c] = true;
        }
    }

    private static boolean hasDigitOrAt(String w) {
        for (int i = 0; i < w.length(); i++) {
            char c = w.charAt(i);
            if (c == '@' || c >= '0' && c <= '9') {
                return true;
            }
        }
        return false;
    }

    /**
     * Every string inside a JSON document (values, at any depth; not keys), read as a token stream: no tree is built
     * for a document whose only use is its strings.
     */
    static void jsonStrings(String json, Consumer<String> sink) {
        try (JsonParser p = STRINGS_ONLY.createParser(json)) {
            for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
                if (t == JsonToken.VALUE_STRING) {
                    sink.accept(p.getText());
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("a staged json value is not valid JSON");
        }
    }

    /** The non-NULL elements of a PostgreSQL array literal ({@code {a,"b c",NULL}}, nested dimensions flattened). */
    static void arrayElements(String literal, Consumer<String> sink) {
        int i = 0;
        if (literal.startsWith("[")) {
            i = literal.indexOf('=') + 1; // explicit bounds: [1:2]={a,b}
        }
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        boolean wasQuoted = false;
        for (; i < literal.length(); i++) {
            char ch = literal.charAt(i);
            if (quoted) {
                if (ch == '\\' && i + 1 < literal.length()) {
                    cur.append(literal.charAt(++i));
                } else if (ch == '"') {
                    quoted = false;
                } else {
                    cur.append(ch);
                }
                continue;
            }
            switch (ch) {
                case '{' -> {
                    cur.setLength(0);
                    wasQuoted = false;
                }
                case '"' -> {
                    quoted = true;
                    wasQuoted = true;
                }
                case ',', '}' -> {
                    if (literal.charAt(i - 1) != '}') { // after a nested array's close there is no element
                        String e = wasQuoted ? cur.toString() : cur.toString().strip();
                        if (wasQuoted || !(e.equalsIgnoreCase("NULL") || e.isEmpty() && literal.charAt(i - 1) == '{')) {
                            sink.accept(e);
                        }
                    }
                    cur.setLength(0);
                    wasQuoted = false;
                }
                case '\\' -> {
                    if (i + 1 < literal.length()) {
                        cur.append(literal.charAt(++i));
                    }
                }
                default -> cur.append(ch);
            }
        }
    }

    private LeakProbes() {
    }
}
