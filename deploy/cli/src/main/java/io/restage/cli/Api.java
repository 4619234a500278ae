package io.restage.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.restage.common.Json;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.StringJoiner;

/**
 * The orchestrator's REST API as the CLI uses it: bearer token on every call, JSON in and out, a refusal turned into
 * the server's own message (never the token). A token is only sent over HTTPS, or plain HTTP to this machine.
 */
public final class Api {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final URI base;
    private final String token;
    private final HttpClient http;

    public Api(String url, String token, boolean allowPlainHttp) {
        URI u;
        try {
            u = URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCodes.USAGE, "--url '" + url + "' is not a URL: give e.g. https://restage.corp.example");
        }
        if (u.getHost() == null || !("http".equals(u.getScheme()) || "https".equals(u.getScheme()))) {
            throw new CliException(ExitCodes.USAGE, "--url '" + url + "' must be an http(s) URL such as http://127.0.0.1:8080");
        }
        if ("http".equals(u.getScheme()) && !allowPlainHttp && !loopback(u.getHost())) {
            throw new CliException(ExitCodes.USAGE, "--url " + u + " is plain HTTP to another machine: the bearer token would"
                    + " cross the network in clear. Use https://, or pass --allow-http on a network you trust");
        }
        if (token == null || token.isBlank()) {
            throw new CliException(ExitCodes.USAGE, "no token: set RESTAGE_TOKEN (or --token-file FILE). For the embedded"
                    + " default: export RESTAGE_TOKEN=$(deploy/restage token --subject you@corp.example --role operator)");
        }
        this.base = u;
        this.token = token.strip();
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    }

    private static boolean loopback(String host) {
        try {
            return "localhost".equalsIgnoreCase(host) || InetAddress.getByName(host).isLoopbackAddress();
        } catch (IOException e) {
            return false;
        }
    }

    public URI base() {
        return base;
    }

    public JsonNode get(String path, Map<String, String> query) {
        StringJoiner q = new StringJoiner("&", "?", "");
        q.setEmptyValue("");
        query.forEach((k, v) -> {
            if (v != null) {
                q.add(k + "=" + URLEncoder.encode(v, StandardCharsets.UTF_8));
            }
        });
        return send(HttpRequest.newBuilder(base.resolve(path + q)).GET());
    }

    public JsonNode get(String path) {
        return get(path, Map.of());
    }

    public JsonNode post(String path, Object body) {
        String json;
        try {
            json = Json.MAPPER.writeValueAsString(body);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return send(HttpRequest.newBuilder(base.resolve(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    private JsonNode send(HttpRequest.Builder b) {
        HttpRequest req = b.header("Authorization", "Bearer " + token).header("Accept", "application/json").timeout(TIMEOUT).build();
        HttpResponse<String> res;
        try {
            res = http.send(req, HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException e) {
            throw new CliException(ExitCodes.ERROR, "cannot reach the orchestrator at " + base + " (connection refused): is it"
                    + " running? Start the embedded default with deploy/run-demo.sh, or set RESTAGE_URL / --url");
        } catch (java.net.http.HttpTimeoutException e) {
            throw new CliException(ExitCodes.ERROR, "the orchestrator at " + base + " did not answer within " + TIMEOUT.toSeconds() + " s");
        } catch (IOException e) {
            throw new CliException(ExitCodes.ERROR, "cannot talk to the orchestrator at " + base + ": " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : " " + e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException(ExitCodes.ERROR, "interrupted");
        }
        JsonNode body = parse(res.body());
        int s = res.statusCode();
        if (s >= 200 && s < 300) {
            return body;
        }
        throw new CliException(s >= 500 ? ExitCodes.ERROR : ExitCodes.REFUSED, refusal(s, body, req.uri()));
    }

    private static JsonNode parse(String text) {
        if (text == null || text.isBlank()) {
            return Json.MAPPER.nullNode();
        }
        try {
            return Json.MAPPER.readTree(text);
        } catch (IOException e) {
            return Json.MAPPER.getNodeFactory().textNode(text.length() > 300 ? text.substring(0, 300) + "..." : text);
        }
    }

    /** The server's ApiError as lines: "refused (422 confirmation-mismatch): message", then each problem. */
    static String refusal(int status, JsonNode body, URI uri) {
        StringBuilder sb = new StringBuilder(status >= 500 ? "the orchestrator failed (" : "refused (").append(status);
        if (body.hasNonNull("error")) {
            sb.append(' ').append(body.get("error").asText());
        }
        sb.append("): ");
        if (body.hasNonNull("message")) {
            sb.append(body.get("message").asText());
        } else if (status == 401) {
            sb.append("the token was not accepted (expired, or not signed by the key the orchestrator trusts): get a new one");
        } else if (status == 403) {
            sb.append("the token's user may not do this (viewer, or not allowed for this target)");
        } else {
            sb.append(uri.getPath());
        }
        for (JsonNode p : body.path("problems")) {
            sb.append("\n  - ").append(p.asText());
        }
        return sb.toString();
    }
}
