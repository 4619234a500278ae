package io.restage.importer;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Tuning of the import service ({@code restage.import.*}). */
@ConfigMapping(prefix = "restage.import")
public interface ImportSettings {

    /**
     * The longest the commit or an undo waits for one lock on the target (lock_timeout). Past it the attempt rolls back
     * and is retried with back-off, so the target's own sessions never queue behind restage for longer than this.
     */
    @WithDefault("2s")
    Duration lockTimeout();

    /** Tries of the commit or an undo when a transient failure (lock timeout, lost connection, failover) stops one. */
    @WithDefault("8")
    int attempts();

    /** The longest wait before the second try; later waits double, up to 30 s, with jitter. */
    @WithDefault("1s")
    Duration firstRetryDelay();

    /**
     * From how many staged rows a table's indexes and keys are built after the commit's load instead of maintained row
     * by row (see the commit's IndexRebuild). 0 rebuilds every table's.
     */
    @WithDefault("50000")
    long rebuildIndexesFromRows();

    /**
     * How many connections the commit uses on the target, its own included (see the commit's CommitConnections): the
     * others copy the undo generation aside beside it. 1: the commit's own connection only.
     */
    @WithDefault("2")
    int commitConnections();
}
