package io.restage.orchestrator.messaging;

import io.smallrye.common.annotation.Identifier;
import io.smallrye.reactive.messaging.kafka.KafkaConsumerRebalanceListener;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;

/**
 * Which partitions of {@code refresh.events} this orchestrator reads, and since when. A refresh's replies and
 * heartbeats all land in one partition (its id is the key): only the instance that reads that partition can tell a
 * silent participant from replies it has not read yet, so only it judges the refresh's deadlines, and only counting
 * from when it began reading (a restarted orchestrator first catches up; a dead one's partitions move to another after
 * the consumer session timeout).
 */
@ApplicationScoped
@Identifier("refresh-events-listening")
public class ListeningWatch implements KafkaConsumerRebalanceListener {
    private final Map<Integer, Instant> assigned = new ConcurrentHashMap<>();
    private volatile int partitions;

    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> parts) {
        Instant now = Instant.now();
        for (TopicPartition p : parts) {
            partitions = consumer.partitionsFor(p.topic()).size();
            assigned.put(p.partition(), now);
        }
    }

    @Override
    public void onPartitionsRevoked(Consumer<?, ?> consumer, Collection<TopicPartition> parts) {
        parts.forEach(p -> assigned.remove(p.partition()));
    }

    @Override
    public void onPartitionsLost(Consumer<?, ?> consumer, Collection<TopicPartition> parts) {
        parts.forEach(p -> assigned.remove(p.partition()));
    }

    /** Since when this instance reads the partition of the refresh's replies; empty if another instance reads it. */
    public Optional<Instant> listeningSince(String refreshId) {
        int n = partitions;
        if (n == 0) {
            return Optional.empty();
        }
        // the Kafka producer's default partitioner for a keyed record
        int partition = Utils.toPositive(Utils.murmur2(refreshId.getBytes(StandardCharsets.UTF_8))) % n;
        return Optional.ofNullable(assigned.get(partition));
    }
}
