package io.restage.export.health;

import io.restage.common.health.ScrapeToken;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** /q/metrics answers only a scraper that sends the scrape token (see {@link ScrapeToken}). */
@ApplicationScoped
public class MetricsGuard {
    private final Optional<String> token;

    public MetricsGuard(@ConfigProperty(name = "restage.metrics.token") Optional<String> token) {
        this.token = token;
    }

    void guard(@Observes Router router) {
        router.route("/q/metrics*").order(Integer.MIN_VALUE).handler(ctx -> {
            if (ScrapeToken.allowed(ctx.request().getHeader("Authorization"), token.orElse(null))) {
                ctx.next();
            } else {
                ctx.response().setStatusCode(401).putHeader("WWW-Authenticate", "Bearer")
                        .putHeader("Content-Type", "application/json").end(ScrapeToken.REFUSAL);
            }
        });
    }
}
