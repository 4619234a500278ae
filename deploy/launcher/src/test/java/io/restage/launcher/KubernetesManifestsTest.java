package io.restage.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.restage.common.TopicLayout;
import io.restage.common.config.RestageConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What a platform team applies (deploy/kubernetes) cannot rot: every manifest parses, the kustomization lists them,
 * each service's Deployment is wired to the health endpoints, the variables its configuration reads and the secrets it
 * may hold, the configuration loads as the services load it, and the Strimzi topics are the ones restage creates.
 */
class KubernetesManifestsTest {
    private static final List<String> SERVICES = List.of("orchestrator", "export-service", "anonymizer-service",
            "import-service", "media-sync-service");
    private static final ObjectMapper YAML = new YAMLMapper();
    private static Path dir;
    private static Path root;
    private static final Map<String, List<JsonNode>> docs = new TreeMap<>();

    @BeforeAll
    static void parseEverything() throws Exception {
        root = ServiceProcesses.findRepoRoot();
        dir = root.resolve("deploy/kubernetes");
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
                List<JsonNode> list = new ArrayList<>();
                try (var parser = new YAMLFactory().createParser(f.toFile())) {
                    YAML.readValues(parser, JsonNode.class).forEachRemaining(n -> {
                        if (n != null && !n.isNull()) {
                            list.add(n);
                        }
                    });
                }
                docs.put(dir.relativize(f).toString(), list);
            }
        }
    }

    private static List<JsonNode> all() {
        return docs.values().stream().flatMap(List::stream).toList();
    }

    private static JsonNode find(String kind, String name) {
        return all().stream().filter(d -> d.path("kind").asText().equals(kind) && d.path("metadata").path("name").asText().equals(name))
                .findFirst().orElseThrow(() -> new AssertionError("no " + kind + " " + name + " in deploy/kubernetes"));
    }

    @Test
    void everyManifestIsAKubernetesObjectAndTheKustomizationListsEachFile() {
        assertTrue(docs.size() >= 10, docs.keySet().toString());
        for (Map.Entry<String, List<JsonNode>> e : docs.entrySet()) {
            assertFalse(e.getValue().isEmpty(), e.getKey() + " is empty");
            for (JsonNode d : e.getValue()) {
                assertTrue(d.path("apiVersion").isTextual() && d.path("kind").isTextual(), e.getKey() + ": apiVersion and kind: " + d);
                if (!d.path("kind").asText().equals("Kustomization")) {
                    assertTrue(d.path("metadata").path("name").asText().matches("[a-z0-9]([-a-z0-9.]*[a-z0-9])?"),
                            e.getKey() + ": a DNS-1123 name: " + d.path("metadata"));
                }
            }
        }
        Set<String> listed = new TreeSet<>();
        JsonNode k = docs.get("kustomization.yaml").get(0);
        k.path("resources").forEach(r -> listed.add(r.asText()));
        Set<String> present = new TreeSet<>(docs.keySet());
        present.removeIf(f -> f.equals("kustomization.yaml") || f.startsWith("operators/"));
        assertEquals(present, listed, "kustomization.yaml lists exactly the manifests beside it");
    }

    @Test
    void eachServiceIsDeployedWithProbesOnItsHealthEndpointsAndOnlyTheSecretsItNeeds() throws Exception {
        JsonNode kustomization = docs.get("kustomization.yaml").get(0);
        for (String svc : SERVICES) {
            String app = "restage-" + svc;
            JsonNode deployment = find("Deployment", app);
            JsonNode pod = deployment.path("spec").path("template").path("spec");
            JsonNode c = pod.path("containers").get(0);
            assertEquals("restage/" + app, c.path("image").asText());
            assertTrue(kustomization.path("images").findValuesAsText("name").contains("restage/" + app), app + "'s image is set in the kustomization");
            assertEquals(8080, c.path("ports").get(0).path("containerPort").asInt());
            assertEquals("/q/health/live", c.path("livenessProbe").path("httpGet").path("path").asText(), app);
            assertEquals("/q/health/ready", c.path("readinessProbe").path("httpGet").path("path").asText(), app);
            assertEquals("/q/health/started", c.path("startupProbe").path("httpGet").path("path").asText(), app);
            assertTrue(c.path("securityContext").path("readOnlyRootFilesystem").asBoolean(), app);
            assertTrue(pod.path("securityContext").path("runAsNonRoot").asBoolean(), app);
            assertEquals(deployment.path("spec").path("selector").path("matchLabels"), ((com.fasterxml.jackson.databind.node.ObjectNode)
                    deployment.path("spec").path("template").path("metadata").path("labels").deepCopy()).without("app.kubernetes.io/part-of"),
                    app + ": the selector matches the pods");
            find("Service", app);

            // every variable set is one the service reads; the config file is where the ConfigMap is mounted
            String properties = Files.readString(root.resolve(svc).resolve("src/main/resources/application.properties"));
            Map<String, String> env = new HashMap<>();
            boolean batchKey = false;
            for (JsonNode e : c.path("env")) {
                env.put(e.path("name").asText(), e.path("value").asText(null));
                batchKey |= e.path("name").asText().equals("RESTAGE_BATCH_KEY");
                if (e.path("name").asText().equals("JAVA_OPTS_APPEND")) {
                    // read by the image's start script, not by the service: only the JIT choice of a coordinator
                    assertTrue(Set.of("orchestrator", "media-sync-service").contains(svc), app + " sets JAVA_OPTS_APPEND");
                    assertEquals("-XX:TieredStopAtLevel=1", e.path("value").asText(), app);
                } else if (!e.path("name").asText().equals("RESTAGE_BATCH_KEY")) {
                    assertTrue(properties.contains("${" + e.path("name").asText()), app + " sets " + e.path("name").asText()
                            + ", which its application.properties never reads");
                }
            }
            assertEquals(Set.of("export-service", "anonymizer-service").contains(svc), batchKey,
                    app + ": the batch key goes to the export and the anonymizer only");
            String mount = c.path("volumeMounts").findParents("name").stream().filter(m -> m.path("name").asText().equals("config"))
                    .findFirst().orElseThrow().path("mountPath").asText();
            assertEquals(mount + "/restage.yaml", env.get("RESTAGE_CONFIG_FILE"), app);
            assertEquals("restage-secrets", c.path("envFrom").get(0).path("secretRef").path("name").asText());
        }
        JsonNode secrets = find("Secret", "restage-secrets").path("stringData");
        assertFalse(secrets.has("RESTAGE_BATCH_KEY"), "the batch key is not in the secret every service reads");
        assertTrue(find("Secret", "restage-batch-key").path("stringData").has("RESTAGE_BATCH_KEY"));
    }

    @Test
    void theConfigurationLoadsAsTheServicesLoadItWithEverySecretItReadsInTheSecret() throws Exception {
        String yaml = find("ConfigMap", "restage-config").path("data").path("restage.yaml").asText();
        JsonNode secrets = find("Secret", "restage-secrets").path("stringData");
        JsonNode batch = find("Secret", "restage-batch-key").path("stringData");
        Matcher m = Pattern.compile("\\$\\{env:([A-Z0-9_]+)(:-[^}]*)?}").matcher(yaml);
        Map<String, String> env = new HashMap<>();
        while (m.find()) {
            String name = m.group(1);
            if (m.group(2) == null) {
                assertTrue(secrets.has(name), "the configuration reads ${env:" + name + "}, which restage-secrets lacks");
            }
            JsonNode v = secrets.has(name) ? secrets.get(name) : batch.get(name);
            // each secret its own value, as in a real deployment (the loader refuses a batch key equal to the message key)
            env.put(name, v == null ? null : (name.toLowerCase() + "-").repeat(8));
        }
        var config = RestageConfigLoader.parse(yaml, "restage-config/restage.yaml", env::get);
        assertFalse(config.environments().get("production").allowImport(), "production is never a target");
        assertTrue(config.environments().get("staging").allowImport());
    }

    @Test
    void theStrimziTopicsAreTheOnesRestageCreates() {
        Map<String, JsonNode> topics = new TreeMap<>();
        all().stream().filter(d -> d.path("kind").asText().equals("KafkaTopic"))
                .forEach(d -> topics.put(d.path("spec").path("topicName").asText(), d.path("spec")));
        List<TopicLayout.TopicSpec> expected = TopicLayout.all(4, TopicLayout.DEFAULT_BATCH_RETENTION_MS);
        assertEquals(expected.stream().map(TopicLayout.TopicSpec::name).collect(java.util.stream.Collectors.toCollection(TreeSet::new)),
                topics.keySet());
        for (TopicLayout.TopicSpec t : expected) {
            JsonNode spec = topics.get(t.name());
            assertEquals(t.partitions(), spec.path("partitions").asInt(), t.name());
            Map<String, String> configs = new TreeMap<>();
            spec.path("config").fields().forEachRemaining(e -> configs.put(e.getKey(), e.getValue().asText()));
            assertEquals(new TreeMap<>(t.configs()), configs, t.name());
        }
        JsonNode kafka = find("Kafka", "restage-kafka").path("spec").path("kafka").path("config");
        assertTrue(kafka.path("message.max.bytes").asLong() >= TopicLayout.MAX_MESSAGE_BYTES, "the brokers take a whole batch");
        assertNotNull(find("Cluster", "restage-state"));
    }
}
