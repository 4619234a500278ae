package io.restage.stack;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether a Docker engine answers. Where nothing points at one (no DOCKER_HOST, no socket in the usual places, no
 * Testcontainers configuration) the answer is no at once, without loading Testcontainers; otherwise Testcontainers
 * itself is asked (it tries every strategy it knows, as the tests would).
 */
final class DockerProbe {
    private DockerProbe() {
    }

    static boolean available() {
        if (!anyHint()) {
            return false;
        }
        try {
            return org.testcontainers.DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            System.out.println("stack: no usable Docker engine (" + e.getClass().getSimpleName() + ")");
            return false;
        }
    }

    private static boolean anyHint() {
        if (System.getenv("DOCKER_HOST") != null || System.getProperty("docker.host") != null) {
            return true;
        }
        String home = System.getProperty("user.home");
        for (Path p : new Path[]{Path.of("/var/run/docker.sock"), Path.of(home, ".docker", "run", "docker.sock"),
                Path.of(home, ".testcontainers.properties"), Path.of(home, ".rd", "docker.sock"),
                Path.of("/run/user/" + uid(), "docker.sock")}) {
            if (Files.exists(p)) {
                return true;
            }
        }
        return false;
    }

    private static String uid() {
        try {
            return String.valueOf(Files.getAttribute(Path.of(System.getProperty("user.home")), "unix:uid"));
        } catch (Exception e) {
            return "0";
        }
    }
}
