package io.restage.export;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Tuning of the export service ({@code restage.export.*}). */
@ConfigMapping(prefix = "restage.export")
public interface ExportSettings {
    /** Tables read at the same time, each on its own connection sharing one snapshot. */
    @WithDefault("2")
    int parallelism();

    /** A batch is cut when its uncompressed COPY text reaches this many bytes. */
    @WithDefault("1048576")
    int batchBytes();

    /** ...or when it holds this many rows. */
    @WithDefault("20000")
    int batchRows();

    /**
     * Tables at least this large (bytes on disk) are split into 2 x parallelism chunks of pages (ctid ranges), read
     * in parallel inside the same snapshot and sent under their own keys, so they are anonymized and staged in
     * parallel too.
     */
    @WithDefault("67108864")
    long splitBytes();

    /**
     * Tables no rule changes (no rules, only {@code keep}, or every rewriting rule skipped by request) go to the importer
     * directly, signed, instead of through the anonymizer, which would forward them byte for byte: one broker hop and the
     * anonymizer's work less. {@code false} sends every table through the anonymizer.
     */
    @WithDefault("true")
    boolean forwardUnchangedTables();

    /** Partitions of the batch topics when the export creates them (the unit of anonymizer and importer parallelism). */
    @WithDefault("4")
    int batchTopicPartitions();

    /**
     * How long the broker keeps batch records nobody deleted (retention.ms of both batch topics, set at startup). It must
     * exceed the longest time a batch may wait to be read; consumed records are deleted when their refresh ends.
     */
    @WithDefault("21600000")
    long batchRetentionMs();

    /** The consumer group that reads raw batches (the anonymizer's): its committed records may be deleted. */
    @WithDefault("restage-anonymizer-batches-exported")
    String anonymizerGroup();

    /** The consumer group that reads clean batches (the importer's). */
    @WithDefault("restage-import-batches-anonymized")
    String importerGroup();

    /**
     * How long an instance holds a running export without renewing it (it renews every third of this). An export whose
     * lease expired is taken over by any instance and starts over: its own instance died and its snapshot with it.
     */
    @WithDefault("30s")
    java.time.Duration lease();

    /**
     * Snapshots one refresh's export may open in all. An export interrupted by the death of its instance or a transient
     * fault (the source's connection dropped, the broker unavailable) reads every table again under a new snapshot
     * while attempts remain; the importer discards what the earlier snapshot staged.
     */
    @WithDefault("3")
    int attempts();
}
