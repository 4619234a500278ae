package io.restage.anonymizer.messaging;

import jakarta.annotation.Priority;
import jakarta.interceptor.AroundInvoke;
import jakarta.interceptor.Interceptor;
import jakarta.interceptor.InterceptorBinding;
import jakarta.interceptor.InvocationContext;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jboss.logging.MDC;

/**
 * Every log line written while a consumer handles a record carries the refresh it belongs to ({@code refreshId} in the
 * MDC: a field of each JSON log line): the record's key is the refresh id, or {@code <refresh id>/<table>} for batches.
 */
@InterceptorBinding
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.TYPE})
public @interface RefreshLogged {

    @RefreshLogged
    @Interceptor
    @Priority(Interceptor.Priority.APPLICATION)
    class Context {
        @AroundInvoke
        Object around(InvocationContext ctx) throws Exception {
            Object first = ctx.getParameters().length > 0 ? ctx.getParameters()[0] : null;
            String id = first instanceof ConsumerRecord<?, ?> r && r.key() instanceof String k
                    ? io.restage.common.Topics.refreshOf(k) : null;
            if (id == null) {
                return ctx.proceed();
            }
            Object before = MDC.get("refreshId");
            MDC.put("refreshId", id);
            try {
                return ctx.proceed();
            } finally {
                if (before == null) {
                    MDC.remove("refreshId");
                } else {
                    MDC.put("refreshId", before);
                }
            }
        }
    }
}
