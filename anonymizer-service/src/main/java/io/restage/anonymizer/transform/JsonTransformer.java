package io.restage.anonymizer.transform;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.restage.common.Json;
import io.restage.common.config.RuleConfig;
import io.restage.common.policy.JsonPath;
import io.restage.common.policy.JsonRules;
import io.restage.common.policy.TransformerCatalog;
import io.restage.common.policy.TransformerSpec;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * {@code json}: applies other transformers to the values at JSON paths inside a {@code json}/{@code jsonb} column,
 * e.g. {@code paths: {"$.email": email, "$.contacts[*].phone": phone, "$..iban": null}}. Arrays are walked with
 * {@code [*]}, and {@code ..key} finds a key at any depth. A string or number at a path goes through the
 * transformer; an object or array at a path goes whole to {@code null}, {@code constant} and {@code scrub}, and
 * otherwise each string inside it does. Paths that find nothing change nothing. NULL stays NULL; a value that is not
 * JSON fails the batch (never copied through).
 */
public final class JsonTransformer implements Transformer {
    private static final TransformerSpec SPEC = TransformerCatalog.spec("json");
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private record Compiled(JsonPath path, Transformer transformer, boolean audited) {
    }

    private final List<Compiled> paths = new ArrayList<>();

    public JsonTransformer(RuleConfig rule) {
        for (JsonRules.PathRule p : JsonRules.parse(rule)) {
            Transformer t = Transformers.create(p.rule(), "text");
            if (!t.reads().isEmpty()) {
                throw new IllegalArgumentException("json path " + p.path() + ": transformer '" + t.name() + "' reads column "
                        + t.reads() + " of the row, which a value inside JSON does not have: drop that parameter"
                        + (t.name().equals("date-shift") ? " (birth-date with keep: shift moves a date by itself)" : ""));
            }
            paths.add(new Compiled(p.path(), t, TransformerCatalog.audited(p.rule())));
        }
    }

    @Override
    public TransformerSpec spec() {
        return SPEC;
    }

    @Override
    public String apply(String value, TransformContext ctx) {
        if (value == null) {
            return null;
        }
        JsonNode root = parse(value);
        for (Compiled c : paths) {
            root = walk(root, c.path().segments(), 0, node -> rewrite(node, c.transformer(), ctx));
        }
        return root.toString();
    }

    @Override
    public void auditedValues(String value, Consumer<String> sink) {
        if (value == null) {
            return;
        }
        JsonNode root = parse(value);
        for (Compiled c : paths) {
            if (c.audited()) {
                walk(root, c.path().segments(), 0, node -> {
                    leaves(node, sink);
                    return node;
                });
            }
        }
    }

    private static JsonNode parse(String value) {
        try {
            return Json.MAPPER.readTree(value);
        } catch (IOException e) {
            throw new IllegalArgumentException("a value of a json-ruled column is not valid JSON");
        }
    }

    private interface Rewrite {
        JsonNode apply(JsonNode node);
    }

    /** Follows {@code segments} from {@code at} below {@code node}; returns the node, rewritten where the path ends. */
    private static JsonNode walk(JsonNode node, List<JsonPath.Segment> segments, int at, Rewrite rewrite) {
        if (node == null || node.isMissingNode()) {
            return node;
        }
        if (at == segments.size()) {
            return rewrite.apply(node);
        }
        JsonPath.Segment s = segments.get(at);
        if (s instanceof JsonPath.Key k && node instanceof ObjectNode o) {
            JsonNode child = o.get(k.name());
            if (child != null) {
                o.set(k.name(), walk(child, segments, at + 1, rewrite));
            }
        } else if (s instanceof JsonPath.AnyKey && node instanceof ObjectNode o) {
            for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                e.setValue(walk(e.getValue(), segments, at + 1, rewrite));
            }
        } else if (s instanceof JsonPath.Index i && node instanceof ArrayNode a) {
            int idx = i.index() < 0 ? a.size() + i.index() : i.index();
            if (idx >= 0 && idx < a.size()) {
                a.set(idx, walk(a.get(idx), segments, at + 1, rewrite));
            }
        } else if (s instanceof JsonPath.AnyIndex && node instanceof ArrayNode a) {
            for (int idx = 0; idx < a.size(); idx++) {
                a.set(idx, walk(a.get(idx), segments, at + 1, rewrite));
            }
        } else if (s instanceof JsonPath.Deep d) {
            if (node instanceof ObjectNode o) {
                for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    JsonNode v = e.getKey().equals(d.name()) ? walk(e.getValue(), segments, at + 1, rewrite) : e.getValue();
                    e.setValue(walk(v, segments, at, rewrite)); // and deeper
                }
            } else if (node instanceof ArrayNode a) {
                for (int idx = 0; idx < a.size(); idx++) {
                    a.set(idx, walk(a.get(idx), segments, at, rewrite));
                }
            }
        }
        return node;
    }

    private static JsonNode rewrite(JsonNode node, Transformer t, TransformContext ctx) {
        if (node.isNull()) {
            return node;
        }
        if (node.isContainerNode()) {
            if (t instanceof NullTransformer || t instanceof ConstantTransformer || t instanceof ScrubTransformer) {
                return scalar(t.apply(node.toString(), ctx), false);
            }
            if (node instanceof ObjectNode o) {
                for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    e.setValue(rewrite(e.getValue(), t, ctx));
                }
            } else if (node instanceof ArrayNode a) {
                for (int i = 0; i < a.size(); i++) {
                    a.set(i, rewrite(a.get(i), t, ctx));
                }
            }
            return node;
        }
        return scalar(t.apply(node.asText(), ctx), node.isNumber());
    }

    private static JsonNode scalar(String v, boolean wasNumber) {
        if (v == null) {
            return NODES.nullNode();
        }
        if (wasNumber) {
            try {
                return NODES.numberNode(new java.math.BigDecimal(v));
            } catch (NumberFormatException notANumber) {
                return NODES.textNode(v);
            }
        }
        return NODES.textNode(v);
    }

    private static void leaves(JsonNode node, Consumer<String> sink) {
        if (node.isContainerNode()) {
            node.elements().forEachRemaining(n -> leaves(n, sink));
        } else if (!node.isNull()) {
            sink.accept(node.asText());
        }
    }
}
