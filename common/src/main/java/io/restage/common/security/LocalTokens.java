package io.restage.common.security;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.restage.common.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A local signing key and the bearer tokens made with it (RS256 JWTs), for the embedded default and for tests. A
 * deployment with an identity provider does not need this: the orchestrator verifies the provider's tokens against
 * its JWKS. The private key never leaves the file it is written to (mode 600); the orchestrator only reads the public
 * key.
 */
public final class LocalTokens {
    /** The default issuer and audience of locally minted tokens; the orchestrator checks both. */
    public static final String ISSUER = "restage-local";
    public static final String AUDIENCE = "restage";
    public static final String PRIVATE_KEY_FILE = "restage-signing-key.pem";
    public static final String PUBLIC_KEY_FILE = "restage-signing-key.pub.pem";

    /** What a token says about its holder. */
    public record Claims(String subject, String email, List<String> groups, String issuer, String audience, Instant issuedAt,
                         Duration lifetime) {
        public static Claims staff(String email, List<String> groups, Duration lifetime) {
            return new Claims(email, email, groups, ISSUER, AUDIENCE, Instant.now(), lifetime);
        }
    }

    /** Writes a new RSA key pair into {@code dir} (unless one is there) and returns the private key's path. */
    public static Path ensureKeyPair(Path dir) throws IOException {
        Path priv = dir.resolve(PRIVATE_KEY_FILE);
        Path pub = dir.resolve(PUBLIC_KEY_FILE);
        if (Files.isRegularFile(priv) && Files.isRegularFile(pub)) {
            return priv;
        }
        Files.createDirectories(dir);
        KeyPair pair;
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048);
            pair = g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("RSA is not available in this JDK", e);
        }
        Files.writeString(priv, pem("PRIVATE KEY", pair.getPrivate().getEncoded()));
        try {
            Files.setPosixFilePermissions(priv, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException notPosix) {
            // a file system without POSIX modes: the directory's protection applies
        }
        Files.writeString(pub, pem("PUBLIC KEY", pair.getPublic().getEncoded()));
        return priv;
    }

    public static Path publicKeyOf(Path privateKeyFile) {
        return privateKeyFile.resolveSibling(PUBLIC_KEY_FILE);
    }

    public static PrivateKey readPrivateKey(Path file) throws IOException {
        String pem = Files.readString(file);
        String b64 = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        try {
            return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(b64)));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IOException(file + " is not a PKCS#8 RSA private key in PEM form", e);
        }
    }

    /** A signed token with these claims. */
    public static String mint(PrivateKey key, Claims c) {
        Map<String, Object> header = Map.of("alg", "RS256", "typ", "JWT");
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("iss", c.issuer());
        body.put("aud", c.audience());
        body.put("sub", c.subject());
        if (c.email() != null) {
            body.put("email", c.email());
            body.put("upn", c.email());
        }
        body.put("groups", c.groups());
        body.put("iat", c.issuedAt().getEpochSecond());
        body.put("exp", c.issuedAt().plus(c.lifetime()).getEpochSecond());
        body.put("jti", UUID.randomUUID().toString());
        String signingInput = b64(json(header)) + "." + b64(json(body));
        try {
            Signature s = Signature.getInstance("SHA256withRSA");
            s.initSign(key);
            s.update(signingInput.getBytes(StandardCharsets.US_ASCII));
            return signingInput + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(s.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign the token: " + e.getMessage(), e);
        }
    }

    private static byte[] json(Object o) {
        try {
            return Json.MAPPER.writeValueAsBytes(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String b64(byte[] b) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der) + "\n-----END " + type + "-----\n";
    }

    private LocalTokens() {
    }
}
