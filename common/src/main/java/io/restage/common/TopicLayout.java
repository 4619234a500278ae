package io.restage.common;

import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.TopicConfig;

/**
 * How each of restage's topics must be set up: partitions, retention and record size. Used by the export (it brings
 * the batch topics in line at start), by {@code deploy/restage topics create}, and mirrored by the KafkaTopic examples
 * under {@code deploy/kubernetes}.
 */
public final class TopicLayout {
    /** Control topics (requests, commands, replies) carry no personal data; a week lets an operator replay a saga. */
    public static final long CONTROL_RETENTION_MS = 7L * 24 * 3600 * 1000;
    /** Dead letters are kept two weeks, long enough for someone to look at them. */
    public static final long DEAD_LETTER_RETENTION_MS = 14L * 24 * 3600 * 1000;
    /** Default retention of the batch topics (records are deleted as soon as read; this is the backstop). */
    public static final long DEFAULT_BATCH_RETENTION_MS = 6L * 3600 * 1000;
    /** The broker accepts a batch record up to this size (the largest batch plus room for its header). */
    public static final int MAX_MESSAGE_BYTES = Topics.MAX_BATCH_RECORD_BYTES + 1024 * 1024;

    /** One topic: its name, what it is for, how many partitions it needs at least, and its topic-level settings. */
    public record TopicSpec(String name, String purpose, int partitions, Map<String, String> configs) {
    }

    /**
     * Every topic. {@code partitions}: of the batch topics (how many anonymizer/import instances can share a refresh)
     * and of the control topics; {@code batchRetentionMs}: backstop retention of raw and clean batches.
     */
    public static List<TopicSpec> all(int partitions, long batchRetentionMs) {
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be at least 1, got " + partitions);
        }
        if (batchRetentionMs < 60_000) {
            throw new IllegalArgumentException("batch retention must be at least 60000 ms (a minute), got " + batchRetentionMs);
        }
        Map<String, String> control = Map.of(TopicConfig.RETENTION_MS_CONFIG, Long.toString(CONTROL_RETENTION_MS),
                TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE);
        return List.of(
                new TopicSpec(Topics.REFRESH_REQUESTED.name(), "accepted refreshes (orchestrator -> export, import)", partitions, control),
                new TopicSpec(Topics.REFRESH_COMMANDS.name(), "commands (orchestrator -> participants)", partitions, control),
                new TopicSpec(Topics.REFRESH_EVENTS.name(), "replies and heartbeats (participants -> orchestrator)", partitions, control),
                new TopicSpec(Topics.REFRESH_DEAD_LETTER.name(), "control messages nobody could process", 1,
                        Map.of(TopicConfig.RETENTION_MS_CONFIG, Long.toString(DEAD_LETTER_RETENTION_MS),
                                TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE)),
                new TopicSpec(Topics.BATCHES_EXPORTED.name(), "sealed raw batches (export -> anonymizer)", partitions,
                        batchConfigs(batchRetentionMs)),
                new TopicSpec(Topics.BATCHES_ANONYMIZED.name(), "sealed clean batches (anonymizer -> import)", partitions,
                        batchConfigs(batchRetentionMs)));
    }

    /** Settings of a batch topic: short retention and segments (so expired records really go), large records. */
    public static Map<String, String> batchConfigs(long retentionMs) {
        return Map.of(TopicConfig.RETENTION_MS_CONFIG, Long.toString(retentionMs),
                TopicConfig.SEGMENT_MS_CONFIG, Long.toString(Math.max(60_000, retentionMs / 6)),
                TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(MAX_MESSAGE_BYTES),
                TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE);
    }

    private TopicLayout() {
    }
}
