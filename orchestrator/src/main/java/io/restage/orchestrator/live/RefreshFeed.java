package io.restage.orchestrator.live;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.operators.multi.processors.BroadcastProcessor;
import io.vertx.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.pubsub.PgSubscriber;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Every change of a refresh's saga state, as it is committed, by whichever orchestrator instance made it: the state
 * database NOTIFYs {@value #CHANNEL} with the refresh id (a trigger on the refresh table, db/migration/V1__state_schema.sql), this
 * instance LISTENs, reads the new state once (bursts within {@value #COALESCE_MS} ms coalesce into one read) and
 * broadcasts it to every open dashboard stream. Nothing polls.
 */
@Singleton
public class RefreshFeed {
    public static final String CHANNEL = "restage_refresh";
    static final long COALESCE_MS = 150;
    private static final Logger LOG = Logger.getLogger(RefreshFeed.class);

    /** One refresh's state as stored (the report's JSON). */
    public record Change(String id, String json) {
    }

    private final Vertx vertx;
    private final Pool pool;
    private final String url;
    private final String user;
    private final String password;
    private final BroadcastProcessor<Change> changes = BroadcastProcessor.create();
    private final Set<String> pending = ConcurrentHashMap.newKeySet();
    private PgSubscriber subscriber;

    public RefreshFeed(Vertx vertx, Pool pool, @ConfigProperty(name = "quarkus.datasource.reactive.url") String url,
                       @ConfigProperty(name = "quarkus.datasource.username") String user,
                       @ConfigProperty(name = "quarkus.datasource.password") java.util.Optional<String> password) {
        this.vertx = vertx;
        this.pool = pool;
        this.url = url;
        this.user = user;
        this.password = password.orElse("");
    }

    void onStart(@Observes StartupEvent ev) {
        String uri = url.startsWith("vertx-reactive:") ? url.substring("vertx-reactive:".length()) : url;
        PgConnectOptions options = PgConnectOptions.fromUri(uri).setUser(user).setPassword(password);
        subscriber = PgSubscriber.subscriber(vertx, options)
                // the state database restarted or the connection broke: listen again every second until it is back
                .reconnectPolicy(retries -> 1000L);
        subscriber.channel(CHANNEL).handler(this::changed);
        subscriber.connect().onFailure(e -> LOG.warnf("live updates: cannot listen on the state database yet (%s);"
                + " retrying", e.getClass().getSimpleName()));
    }

    void onStop(@Observes ShutdownEvent ev) {
        if (subscriber != null) {
            subscriber.close();
        }
        changes.onComplete();
    }

    private void changed(String id) {
        if (id == null || !pending.add(id)) {
            return; // a read of this refresh is already due: it will see this change too
        }
        vertx.setTimer(COALESCE_MS, t -> {
            pending.remove(id);
            pool.preparedQuery("select state from refresh where id = $1").execute(Tuple.of(id))
                    .subscribe().with(rows -> {
                        for (Row r : rows) {
                            changes.onNext(new Change(id, r.getString(0)));
                        }
                    }, e -> LOG.debugf("live updates: reading refresh %s failed (%s)", id, e.getClass().getSimpleName()));
        });
    }

    /** Changes from now on (hot: what happened before subscribing is read through the list and detail routes). */
    public Multi<Change> changes() {
        return changes;
    }
}
