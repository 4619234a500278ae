package io.restage.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The manifests go through kubectl itself, as a platform team applies them: {@code kubectl apply -k deploy/kubernetes
 * --dry-run=client} (kustomize build, image overrides, namespace, every object decoded and mapped to its API resource)
 * and {@code kubectl apply -f deploy/kubernetes/operators --dry-run=client}. kubectl resolves kinds through the API
 * server's discovery documents even in a client dry run, so the test answers those for the API groups a cluster with the
 * Strimzi and CloudNativePG operators serves (the built-in kinds restage uses, and the operators' CRDs), and "not
 * found" for every object, so kubectl plans a create. A kind or apiVersion no such cluster knows fails the test, as it
 * would fail {@code kubectl apply}. kubectl comes from the machine, else {@code deploy/tools/install-kubectl.sh}.
 */
class KubectlDryRunTest {
    /** group/version -> (plural resource -> kind, namespaced) as a Kubernetes 1.2x+ cluster with both operators lists them. */
    private static final Map<String, List<String[]>> API = new LinkedHashMap<>();

    static {
        API.put("v1", List.of(new String[]{"namespaces", "Namespace", "false"}, new String[]{"configmaps", "ConfigMap", "true"},
                new String[]{"secrets", "Secret", "true"}, new String[]{"services", "Service", "true"},
                new String[]{"serviceaccounts", "ServiceAccount", "true"}));
        API.put("apps/v1", List.<String[]>of(new String[]{"deployments", "Deployment", "true"}));
        API.put("policy/v1", List.<String[]>of(new String[]{"poddisruptionbudgets", "PodDisruptionBudget", "true"}));
        API.put("networking.k8s.io/v1", List.<String[]>of(new String[]{"networkpolicies", "NetworkPolicy", "true"}));
        API.put("kafka.strimzi.io/v1beta2", List.of(new String[]{"kafkas", "Kafka", "true"},
                new String[]{"kafkanodepools", "KafkaNodePool", "true"}, new String[]{"kafkatopics", "KafkaTopic", "true"},
                new String[]{"kafkausers", "KafkaUser", "true"}));
        API.put("postgresql.cnpg.io/v1", List.<String[]>of(new String[]{"clusters", "Cluster", "true"}));
    }

    private static HttpServer api;
    private static Path kubeconfig;
    private static String kubectl;
    private static Path root;
    private static final List<String> requests = new ArrayList<>();

    @BeforeAll
    static void startDiscovery() throws Exception {
        root = ServiceProcesses.findRepoRoot();
        kubectl = findKubectl();
        api = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        api.createContext("/", KubectlDryRunTest::answer);
        api.start();
        kubeconfig = Files.createTempFile("restage-kubeconfig-", ".yaml");
        Files.writeString(kubeconfig, """
                apiVersion: v1
                kind: Config
                clusters: [{name: discovery, cluster: {server: "http://127.0.0.1:%d"}}]
                contexts: [{name: discovery, context: {cluster: discovery, user: nobody}}]
                users: [{name: nobody, user: {}}]
                current-context: discovery
                """.formatted(api.getAddress().getPort()));
    }

    @AfterAll
    static void stop() throws IOException {
        if (api != null) {
            api.stop(0);
        }
        if (kubeconfig != null) {
            Files.deleteIfExists(kubeconfig);
        }
    }

    private static String findKubectl() throws Exception {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "kubectl"))) {
                return Path.of(dir, "kubectl").toString();
            }
        }
        Process p = new ProcessBuilder(root.resolve("deploy/tools/install-kubectl.sh").toString()).inheritIO().start();
        if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IllegalStateException("kubectl is missing and deploy/tools/install-kubectl.sh could not install it"
                    + " (it needs root or sudo and the Debian mirror)");
        }
        for (String candidate : List.of("/usr/bin/kubectl", "/usr/local/bin/kubectl")) {
            if (Files.isExecutable(Path.of(candidate))) {
                return candidate;
            }
        }
        throw new IllegalStateException("deploy/tools/install-kubectl.sh ran but no kubectl is on the PATH");
    }

    private static synchronized void answer(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        requests.add(ex.getRequestMethod() + " " + path);
        String body;
        int status = 200;
        if (path.equals("/api")) {
            body = "{\"kind\":\"APIVersions\",\"versions\":[\"v1\"],\"serverAddressByClientCIDRs\":[{\"clientCIDR\":\"0.0.0.0/0\","
                    + "\"serverAddress\":\"127.0.0.1\"}]}";
        } else if (path.equals("/apis")) {
            body = "{\"kind\":\"APIGroupList\",\"apiVersion\":\"v1\",\"groups\":[" + API.keySet().stream().filter(gv -> gv.contains("/"))
                    .map(gv -> "{\"name\":\"" + gv.substring(0, gv.indexOf('/')) + "\",\"versions\":[{\"groupVersion\":\"" + gv
                            + "\",\"version\":\"" + gv.substring(gv.indexOf('/') + 1) + "\"}],\"preferredVersion\":{\"groupVersion\":\""
                            + gv + "\",\"version\":\"" + gv.substring(gv.indexOf('/') + 1) + "\"}}")
                    .collect(Collectors.joining(",")) + "]}";
        } else if (path.equals("/api/v1") || (path.startsWith("/apis/") && API.containsKey(path.substring(6)))) {
            String gv = path.equals("/api/v1") ? "v1" : path.substring(6);
            body = "{\"kind\":\"APIResourceList\",\"groupVersion\":\"" + gv + "\",\"resources\":[" + API.get(gv).stream()
                    .map(r -> "{\"name\":\"" + r[0] + "\",\"singularName\":\"" + r[1].toLowerCase() + "\",\"namespaced\":" + r[2]
                            + ",\"kind\":\"" + r[1] + "\",\"verbs\":[\"get\",\"create\",\"patch\"]}")
                    .collect(Collectors.joining(",")) + "]}";
        } else {
            // every object: not there yet, so apply plans a create; anything else kubectl asks for does not exist either
            status = 404;
            body = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"reason\":\"NotFound\",\"code\":404}";
        }
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
        ex.close();
    }

    private static List<String> kubectl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(kubectl, "--kubeconfig", kubeconfig.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(2, TimeUnit.MINUTES), "kubectl did not finish: " + out);
        assertEquals(0, p.exitValue(), String.join(" ", args) + " failed:\n" + out);
        return out.lines().filter(l -> !l.isBlank()).toList();
    }

    @Test
    void theKustomizationAppliesInADryRun() throws Exception {
        List<String> out = kubectl("apply", "-k", root.resolve("deploy/kubernetes").toString(), "--dry-run=client",
                "--validate=false", "-o", "name");
        TreeSet<String> objects = new TreeSet<>(out);
        for (String svc : List.of("orchestrator", "export-service", "anonymizer-service", "import-service", "media-sync-service")) {
            assertTrue(objects.contains("deployment.apps/restage-" + svc), svc + " in " + objects);
        }
        assertTrue(objects.contains("namespace/restage")
                && objects.stream().anyMatch(o -> o.startsWith("networkpolicy.networking.k8s.io/")),
                objects.toString());
        assertTrue(objects.stream().anyMatch(o -> o.startsWith("poddisruptionbudget.policy/")), objects.toString());
        assertTrue(objects.stream().anyMatch(o -> o.startsWith("configmap/")) && objects.stream().anyMatch(o -> o.startsWith("secret/")),
                objects.toString());
        // the objects are namespaced as the kustomization says: kubectl asked for them in namespace restage
        synchronized (KubectlDryRunTest.class) {
            assertTrue(requests.stream().anyMatch(r -> r.startsWith("GET /apis/apps/v1/namespaces/restage/deployments/")),
                    requests.toString());
        }
    }

    @Test
    void theKustomizationRendersTheRegistryImages() throws Exception {
        String rendered = String.join("\n", kubectl("kustomize", root.resolve("deploy/kubernetes").toString()));
        assertTrue(rendered.contains("image: registry.example.com/restage/restage-orchestrator:0.1.0-SNAPSHOT"), rendered);
        assertTrue(!rendered.contains("image: restage/"), "an image the kustomization does not rewrite:\n" + rendered);
    }

    @Test
    void theOperatorExamplesApplyInADryRun() throws Exception {
        List<String> out = kubectl("apply", "-f", root.resolve("deploy/kubernetes/operators").toString(), "--dry-run=client",
                "--validate=false", "-o", "name");
        TreeSet<String> objects = new TreeSet<>(out);
        assertTrue(objects.stream().anyMatch(o -> o.startsWith("kafka.kafka.strimzi.io/")), objects.toString());
        for (String topic : List.of("refresh-requested", "refresh-commands", "refresh-events", "refresh-dead-letter",
                "batches-exported", "batches-anonymized")) {
            assertTrue(objects.contains("kafkatopic.kafka.strimzi.io/" + topic), topic + " in " + objects);
        }
        assertTrue(objects.stream().anyMatch(o -> o.startsWith("kafkauser.kafka.strimzi.io/")), objects.toString());
        assertTrue(objects.stream().anyMatch(o -> o.startsWith("cluster.postgresql.cnpg.io/")), objects.toString());
    }
}
