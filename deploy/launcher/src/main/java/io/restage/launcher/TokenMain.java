package io.restage.launcher;

import io.restage.common.security.LocalTokens;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code deploy/restage token --subject EMAIL --role operator|viewer [--hours N] [--key FILE]}: prints a bearer token
 * signed with the local signing key (default: the run command's, {@code .restage/demo/keys}). For the embedded default
 * and tests; with an identity provider, get tokens from it instead.
 */
public final class TokenMain {

    public static void main(String[] args) throws Exception {
        String subject = null;
        List<String> groups = new ArrayList<>();
        long hours = 8;
        Path key = ServiceProcesses.findRepoRoot().resolve(".restage/demo/keys").resolve(LocalTokens.PRIVATE_KEY_FILE);
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (a) {
                case "token" -> {
                    continue;
                }
                case "--subject" -> subject = v;
                case "--role" -> groups.add(v);
                case "--group" -> groups.add(v);
                case "--hours" -> hours = Long.parseLong(v);
                case "--key" -> key = Path.of(v);
                default -> usage("unknown argument '" + a + "'");
            }
            if (v == null) {
                usage(a + " needs a value");
            }
            i++;
        }
        if (subject == null || !subject.contains("@")) {
            usage("--subject must be the staff member's email");
        }
        for (String g : groups) {
            if (g == null || g.isBlank()) {
                usage("--role needs operator or viewer");
            }
        }
        if (groups.isEmpty()) {
            usage("give at least one --role (operator or viewer)");
        }
        if (hours < 1 || hours > 24 * 7) {
            usage("--hours must be between 1 and 168");
        }
        if (!Files.isRegularFile(key)) {
            usage("no signing key at " + key + ": start the run command once (deploy/run-demo.sh) or pass --key FILE");
        }
        System.out.println(LocalTokens.mint(LocalTokens.readPrivateKey(key),
                LocalTokens.Claims.staff(subject, List.copyOf(groups), Duration.ofHours(hours))));
    }

    private static void usage(String problem) {
        System.err.println("restage token: " + problem);
        System.err.println("usage: deploy/restage token --subject staff@corp.example --role operator|viewer [--hours 8] [--key FILE]");
        System.exit(2);
    }

    private TokenMain() {
    }
}
