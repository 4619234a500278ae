package io.restage.common.policy;

import com.fasterxml.jackson.databind.JsonNode;
import io.restage.common.Json;
import io.restage.common.config.RuleConfig;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a {@code json} rule's {@code paths} parameter: each JSON path with the rule applied to the values it finds,
 * e.g. {@code paths: {"$.email": email, "$.contacts[*].name": {transformer: person-name, locale: de}}}.
 */
public final class JsonRules {

    /** One path and the rule for what it finds; the rule's id is {@code table.column$path}. */
    public record PathRule(JsonPath path, RuleConfig rule) {
    }

    public static List<PathRule> parse(RuleConfig json) {
        String text = json.params().get("paths");
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("transformer 'json' needs paths: {\"$.path\": transformer, ...}");
        }
        JsonNode paths;
        try {
            paths = Json.MAPPER.readTree(text);
        } catch (IOException e) {
            throw new IllegalArgumentException("json paths must map JSON paths to transformers");
        }
        if (!paths.isObject() || paths.isEmpty()) {
            throw new IllegalArgumentException("json paths must map JSON paths to transformers, e.g. {\"$.email\": email}");
        }
        List<PathRule> out = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = paths.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonPath path = JsonPath.parse(e.getKey());
            JsonNode v = e.getValue();
            String transformer;
            Map<String, String> params = new LinkedHashMap<>();
            if (v.isTextual()) {
                transformer = v.asText();
            } else if (v.isNull()) {
                transformer = "null";
            } else if (v.isObject() && v.hasNonNull("transformer")) {
                transformer = v.get("transformer").asText();
                v.fields().forEachRemaining(p -> {
                    if (!p.getKey().equals("transformer")) {
                        params.put(p.getKey(), p.getValue().isNull() ? null : p.getValue().asText());
                    }
                });
            } else {
                throw new IllegalArgumentException("json path " + e.getKey() + " must name a transformer or be"
                        + " {transformer: NAME, ...parameters}");
            }
            if (transformer.equals("json")) {
                throw new IllegalArgumentException("json path " + e.getKey() + ": json cannot nest inside json");
            }
            RuleConfig rule = new RuleConfig(json.table(), json.column() + e.getKey(), transformer, params, json.origin());
            try {
                TransformerCatalog.validate(rule);
            } catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException("json path " + e.getKey() + ": " + ex.getMessage());
            }
            out.add(new PathRule(path, rule));
        }
        return List.copyOf(out);
    }

    private JsonRules() {
    }
}
