package io.restage.export.messaging;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.DeletedRecords;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;

/**
 * The two batch topics' lifecycle: created (or brought in line) with a short retention, so records nobody deletes
 * still expire, and purged when a refresh ends: every record that all of restage's consumers of the topic have
 * committed is deleted ({@code deleteRecords}), whichever refresh it belonged to (Kafka deletes by offset, not by key;
 * a record no consumer has read yet stays until it is read or expires).
 */
public final class BatchTopics implements AutoCloseable {
    private static final long TIMEOUT_S = 30;
    private final Admin admin;
    private final Map<String, List<String>> consumers;

    /** {@code consumers}: for each batch topic, the consumer groups that must have read a record before it goes. */
    public BatchTopics(Properties kafka, Map<String, List<String>> consumers) {
        this.admin = Admin.create(kafka);
        this.consumers = consumers;
    }

    /** Creates missing batch topics; sets retention, segment roll and record size on all of them. */
    public void ensure(int partitions, long retentionMs) throws Exception {
        Set<String> existing = admin.listTopics().names().get(TIMEOUT_S, TimeUnit.SECONDS);
        Map<String, String> configs = io.restage.common.TopicLayout.batchConfigs(retentionMs);
        List<NewTopic> create = new ArrayList<>();
        Map<ConfigResource, Collection<AlterConfigOp>> alter = new HashMap<>();
        for (String t : consumers.keySet()) {
            if (!existing.contains(t)) {
                create.add(new NewTopic(t, partitions, (short) -1).configs(configs));
            } else {
                alter.put(new ConfigResource(ConfigResource.Type.TOPIC, t), configs.entrySet().stream()
                        .map(e -> new AlterConfigOp(new ConfigEntry(e.getKey(), e.getValue()), AlterConfigOp.OpType.SET)).toList());
            }
        }
        if (!create.isEmpty()) {
            try {
                admin.createTopics(create).all().get(TIMEOUT_S, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                if (!(e.getCause() instanceof org.apache.kafka.common.errors.TopicExistsException)) {
                    throw e; // another instance created it meanwhile: fine
                }
            }
        }
        if (!alter.isEmpty()) {
            admin.incrementalAlterConfigs(alter).all().get(TIMEOUT_S, TimeUnit.SECONDS);
        }
    }

    /** Deletes, in every partition of the batch topics, the records all their restage consumers have committed. */
    public long purgeConsumed() throws Exception {
        long deleted = 0;
        for (Map.Entry<String, List<String>> topic : consumers.entrySet()) {
            Map<TopicPartition, Long> upTo = null;
            for (String group : topic.getValue()) {
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                        .partitionsToOffsetAndMetadata().get(TIMEOUT_S, TimeUnit.SECONDS);
                Map<TopicPartition, Long> mine = new HashMap<>();
                committed.forEach((tp, om) -> {
                    if (tp.topic().equals(topic.getKey()) && om != null) {
                        mine.put(tp, om.offset());
                    }
                });
                if (upTo == null) {
                    upTo = mine;
                } else {
                    Map<TopicPartition, Long> both = new HashMap<>();
                    for (Map.Entry<TopicPartition, Long> e : upTo.entrySet()) {
                        Long other = mine.get(e.getKey());
                        if (other != null) {
                            both.put(e.getKey(), Math.min(e.getValue(), other));
                        }
                    }
                    upTo = both;
                }
            }
            if (upTo == null || upTo.isEmpty()) {
                continue;
            }
            Map<TopicPartition, RecordsToDelete> request = new HashMap<>();
            upTo.forEach((tp, offset) -> request.put(tp, RecordsToDelete.beforeOffset(offset)));
            Map<TopicPartition, Long> lowBefore = lowWatermarks(upTo.keySet());
            Map<TopicPartition, KafkaFuture<DeletedRecords>> result = admin.deleteRecords(request).lowWatermarks();
            for (Map.Entry<TopicPartition, KafkaFuture<DeletedRecords>> e : result.entrySet()) {
                long low = e.getValue().get(TIMEOUT_S, TimeUnit.SECONDS).lowWatermark();
                deleted += Math.max(0, low - lowBefore.getOrDefault(e.getKey(), low));
            }
        }
        return deleted;
    }

    private Map<TopicPartition, Long> lowWatermarks(Collection<TopicPartition> partitions) throws Exception {
        Map<TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> spec = new HashMap<>();
        partitions.forEach(tp -> spec.put(tp, org.apache.kafka.clients.admin.OffsetSpec.earliest()));
        Map<TopicPartition, Long> out = new HashMap<>();
        admin.listOffsets(spec).all().get(TIMEOUT_S, TimeUnit.SECONDS).forEach((tp, info) -> out.put(tp, info.offset()));
        return out;
    }

    @Override
    public void close() {
        admin.close();
    }
}
