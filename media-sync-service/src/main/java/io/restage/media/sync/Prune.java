package io.restage.media.sync;

import io.restage.common.config.BucketConfig;
import io.restage.common.config.MediaPolicy;
import io.restage.media.plan.Listed;
import io.restage.media.plan.MediaPlan;
import io.restage.media.plan.Referenced;
import io.restage.media.plan.ReferencedKeys;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The prune, with rclone's caution: the orphans (target objects under the policy's prefix that no source object names
 * when mirroring, or that no committed row references when the policy guides media) are found by merging sorted
 * streams and spilled to a temporary file with their count, and deleted only if they are at most
 * media.max-delete-percent of the target's objects, or the request allowed more. Over the cap nothing is deleted and
 * the reason says how many and what to do. Each orphan is first copied aside (server-side, to
 * {@code .restage/<refresh>/pruned/<key>}) and journaled, a thousand at a time, then deleted: an undo of the refresh
 * puts it back. In a bucket that keeps versions nothing is copied: the orphan's version ID is journaled, the delete
 * leaves a delete marker above it, and the undo deletes the marker ({@link VersionRestore}).
 */
final class Prune {
    /** {@code held} is the reason nothing was deleted, or null. */
    record Outcome(long deleted, long targetObjects, String held) {
    }

    /** Opens the keys the committed rows reference (guided media). */
    interface KeysSource {
        ReferencedKeys open() throws Exception;
    }

    private final Buckets buckets;
    private final io.restage.media.state.MediaJournal journal;

    Prune(Buckets buckets, io.restage.media.state.MediaJournal journal) {
        this.buckets = buckets;
        this.journal = journal;
    }

    static String asideKey(String refreshId, String key) {
        return MediaSync.RESTAGE_PREFIX + refreshId + "/pruned/" + key;
    }

    /**
     * Keeps the batch (its versions' IDs journaled where the bucket keeps versions, otherwise copies aside), journals it,
     * then deletes it.
     */
    private void removeKeptAside(String refreshId, BucketConfig to, boolean versioned, List<Listed> batch) throws Exception {
        if (batch.isEmpty()) {
            return;
        }
        List<String> keys = new ArrayList<>(batch.size());
        List<String> copied = new ArrayList<>(batch.size());
        List<String> versionedKeys = new ArrayList<>();
        List<String> versionIds = new ArrayList<>();
        for (Listed l : batch) {
            String version = versioned ? buckets.stat(to, l.key()).versionId() : null;
            if (version != null) {
                versionedKeys.add(l.key());
                versionIds.add(version);
            } else {
                buckets.copyWithin(to, l.key(), asideKey(refreshId, l.key()), l.size());
                copied.add(l.key());
            }
            keys.add(l.key());
        }
        journal.recordAll(refreshId, copied, io.restage.media.state.MediaJournal.Action.PRUNED);
        journal.recordAll(refreshId, versionedKeys, versionIds, io.restage.media.state.MediaJournal.Action.PRUNED);
        buckets.removeAll(to, keys);
    }

    /** {@code keys} null: mirror (the source listing is what the target keeps). */
    Outcome run(String refreshId, MediaPolicy policy, BucketConfig from, BucketConfig to, KeysSource keys, boolean allowOverCap)
            throws Exception {
        Path spill = Files.createTempFile("restage-media-orphans-", ".txt");
        try {
            long[] targetObjects = new long[1];
            Iterator<Listed> target = counting(buckets.listing(to, policy.prefix(), "the target bucket's listing"), targetObjects);
            long orphans = 0;
            try (BufferedWriter out = Files.newBufferedWriter(spill, StandardCharsets.UTF_8)) {
                if (keys == null) {
                    Iterator<Listed> source = buckets.listing(from, policy.prefix(), "the source bucket's listing");
                    orphans = spill(MediaPlan.orphans(target, keysOf(source, Listed::key)), out);
                } else {
                    try (ReferencedKeys refs = keys.open()) {
                        orphans = spill(MediaPlan.orphans(target, keysOf(refs, Referenced::key)), out);
                    }
                }
            }
            long allowed = targetObjects[0] * policy.maxDeletePercent() / 100;
            if (orphans > allowed && !allowOverCap) {
                return new Outcome(0, targetObjects[0], "media prune held: " + orphans + " of the target's " + targetObjects[0]
                        + " objects are orphans, more than media.max-delete-percent (" + policy.maxDeletePercent() + "%, "
                        + allowed + " objects) allows; nothing was deleted. Check the policy's media keys and prefix, then"
                        + " refresh again with allowMediaDeletes: true to delete them");
            }
            long deleted = 0;
            boolean versioned = buckets.versioned(to);
            List<Listed> batch = new ArrayList<>(1000);
            try (BufferedReader in = Files.newBufferedReader(spill, StandardCharsets.UTF_8)) {
                String line;
                while ((line = in.readLine()) != null) {
                    int sp = line.indexOf(' ');
                    batch.add(new Listed(unescape(line.substring(sp + 1)), "", Long.parseLong(line.substring(0, sp))));
                    if (batch.size() == 1000) {
                        removeKeptAside(refreshId, to, versioned, batch);
                        deleted += batch.size();
                        batch.clear();
                    }
                }
            }
            removeKeptAside(refreshId, to, versioned, batch);
            deleted += batch.size();
            return new Outcome(deleted, targetObjects[0], null);
        } finally {
            Files.deleteIfExists(spill);
        }
    }

    private static long spill(Iterator<Listed> orphans, BufferedWriter out) throws java.io.IOException {
        long n = 0;
        while (orphans.hasNext()) {
            Listed l = orphans.next();
            out.write(l.size() + " " + escape(l.key()));
            out.newLine();
            n++;
        }
        return n;
    }

    /** Keys may hold newlines: one per line, with backslash escapes. */
    static String escape(String key) {
        return key.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r");
    }

    static String unescape(String line) {
        StringBuilder b = new StringBuilder(line.length());
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\\' && i + 1 < line.length()) {
                char d = line.charAt(++i);
                b.append(d == 'n' ? '\n' : d == 'r' ? '\r' : d);
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static Iterator<Listed> counting(Iterator<Listed> in, long[] count) {
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return in.hasNext();
            }

            @Override
            public Listed next() {
                count[0]++;
                return in.next();
            }
        };
    }

    /** The keys of a stream of listed objects or referenced keys, lazily. */
    private static <T> Iterator<String> keysOf(Iterator<T> in, java.util.function.Function<T, String> key) {
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return in.hasNext();
            }

            @Override
            public String next() {
                return key.apply(in.next());
            }
        };
    }
}
