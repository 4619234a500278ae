package io.restage.importer.staging;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.restage.common.batch.CopyText;
import io.restage.common.policy.LeakFingerprints;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * The leak audit's probes of one batch, taken while it is staged: the same values the audit's SQL would read from the
 * staged table afterwards (whole values, the words of free text that hold a digit or an @, the strings inside JSON, the
 * elements of text arrays), normalised, digested and keyed here. Each column's probes are de-duplicated within the
 * batch. The staged rows are never read again for the audit: the end is one join of probes against fingerprints.
 */
public final class LeakProbes {
    /** The separators of free text, as in the audit's SQL. */
    static final Pattern WORD_SPLIT = Pattern.compile("[\\s,;:<>()\\[\\]{}\"'|]+");
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every JVM", e);
        }
    });

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

    /** The probes of every scanned column of one batch of COPY text rows with {@code fields} fields each. */
    public static List<ColumnProbes> probe(byte[] rows, int fields, List<Scanned> columns, byte[] key) {
        List<ColumnProbes> out = new ArrayList<>(columns.size());
        if (columns.isEmpty()) {
            return out;
        }
        int[] starts = new int[fields];
        int[] ends = new int[fields];
        List<Set<String>> distinct = new ArrayList<>();
        long[] counts = new long[columns.size()];
        for (int i = 0; i < columns.size(); i++) {
            distinct.add(new HashSet<>());
        }
        // one sink per column for the whole batch (not a lambda per value)
        List<Consumer<String>> sinks = new ArrayList<>(columns.size());
        for (int i = 0; i < columns.size(); i++) {
            Set<String> set = distinct.get(i);
            int k = i;
            sinks.add(s -> {
                counts[k]++;
                candidates(s, set);
            });
        }
        int pos = 0;
        while (pos < rows.length) {
            int end = CopyText.rowEnd(rows, pos, rows.length);
            if (CopyText.split(rows, pos, end, starts, ends) != fields) {
                throw new IllegalStateException("a staged row has another number of fields than its batch declares");
            }
            for (int i = 0; i < columns.size(); i++) {
                Scanned col = columns.get(i);
                String v = CopyText.decode(rows, starts[col.index()], ends[col.index()]);
                if (v == null) {
                    continue;
                }
                switch (col.shape()) {
                    case TEXT -> sinks.get(i).accept(v);
                    case JSON -> jsonStrings(v, sinks.get(i));
                    case TEXT_ARRAY -> arrayElements(v, sinks.get(i));
                }
            }
            pos = end + 1;
        }
        MessageDigest sha = SHA256.get();
        for (int i = 0; i < columns.size(); i++) {
            long[] fps = new long[distinct.get(i).size()];
            int n = 0;
            for (String s : distinct.get(i)) {
                fps[n++] = LeakFingerprints.ofDigest(key, sha.digest(s.getBytes(StandardCharsets.UTF_8)));
            }
            Arrays.sort(fps);
            out.add(new ColumnProbes(columns.get(i).name(), fps, counts[i]));
        }
        return out;
    }

    /**
     * The normalised candidates of one value: the value, and (free text) each word that holds a digit or an @ and
     * had at least {@link LeakFingerprints#MIN_LENGTH} characters before trailing . ! ? were cut. Only candidates long
     * enough to have a fingerprint are kept.
     */
    static void candidates(String v, Set<String> out) {
        add(v, out);
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
    private static void word(String v, int from, int to, Set<String> out) {
        if (v.codePointCount(from, to) < LeakFingerprints.MIN_LENGTH) {
            return;
        }
        int e = to;
        while (e > from && (v.charAt(e - 1) == '.' || v.charAt(e - 1) == '!' || v.charAt(e - 1) == '?')) {
            e--;
        }
        add(v.substring(from, e), out);
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

    private static void add(String s, Set<String> out) {
        String n = LeakFingerprints.normalize(s);
        if (LeakFingerprints.auditable(n)) {
            out.add(n);
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
