package io.restage.media.sync;

import io.restage.common.config.BucketConfig;
import java.util.List;

/**
 * Puts an object of a bucket that keeps versions back to the version it had before a refresh: every version and delete
 * marker above it is deleted, newest first, until it is the latest again. The object is then the very version it was
 * (same version ID, ETag and metadata: nothing is re-uploaded or copied), and the refresh's own copies do not linger as
 * noncurrent versions. Versions written after the refresh (by the refresh itself, or by anyone since) go, as the
 * database's later rows go with its undo.
 */
final class VersionRestore {
    /** What a restore found. */
    enum Outcome {
        /** Versions above the one asked for were deleted: it is the latest again. */
        RESTORED,
        /** It was the latest already (an earlier try, or nothing had changed it). */
        ALREADY,
        /** That version is no longer in the bucket (deleted, or expired by a lifecycle rule): nothing was deleted. */
        GONE
    }

    /** Deletions per object at most: a bucket written to while this runs could keep adding versions. */
    private static final int MAX_ROUNDS = 1_000;
    private final Buckets buckets;

    VersionRestore(Buckets buckets) {
        this.buckets = buckets;
    }

    Outcome restore(BucketConfig b, String key, String version) throws Exception {
        boolean deleted = false;
        // each round deletes the latest
        for (int round = 0; round < MAX_ROUNDS; round++) {
            List<Buckets.Version> versions = buckets.versions(b, key);
            if (versions.stream().noneMatch(v -> version.equals(v.versionId()) && !v.deleteMarker())) {
                if (deleted) {
                    throw new IllegalStateException("version " + version + " disappeared from bucket '" + b.name()
                            + "' while the versions above it were deleted");
                }
                return Outcome.GONE;
            }
            Buckets.Version latest = latest(b, versions);
            if (version.equals(latest.versionId())) {
                return deleted ? Outcome.RESTORED : Outcome.ALREADY;
            }
            buckets.removeVersion(b, key, latest.versionId());
            deleted = true;
        }
        throw tooManyRounds(b);
    }

    /**
     * Deletes {@code written} (a version a refresh wrote to a key it added) and every version and delete marker above
     * it, newest first: the key is then as it was before the refresh wrote it, absent, with no copy left as a
     * noncurrent version. True if anything was deleted; false if that version is not there (an earlier try removed
     * it, or the write never happened).
     */
    boolean removeFrom(BucketConfig b, String key, String written) throws Exception {
        boolean deleted = false;
        for (int round = 0; round < MAX_ROUNDS; round++) {
            List<Buckets.Version> versions = buckets.versions(b, key);
            if (versions.stream().noneMatch(v -> written.equals(v.versionId()))) {
                return deleted;
            }
            Buckets.Version latest = latest(b, versions);
            buckets.removeVersion(b, key, latest.versionId());
            deleted = true;
        }
        throw tooManyRounds(b);
    }

    private static Buckets.Version latest(BucketConfig b, List<Buckets.Version> versions) {
        return versions.stream().filter(Buckets.Version::latest).findFirst().orElseThrow(
                () -> new IllegalStateException("bucket '" + b.name() + "' lists versions of an object but none as"
                        + " the latest: it does not keep versions as S3 does"));
    }

    private static IllegalStateException tooManyRounds(BucketConfig b) {
        return new IllegalStateException("an object in bucket '" + b.name() + "' still had newer versions after "
                + MAX_ROUNDS + " deletions: something keeps writing it; stop the writer and undo again");
    }
}
