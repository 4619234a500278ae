package io.restage.common.security;

import io.restage.common.config.Secret;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import javax.sql.DataSource;

/**
 * The per-refresh data keys that seal raw batches, kept in restage's state database wrapped (AES-GCM) under the key
 * encryption key {@code security.batch-key} that only the export and the anonymizer are given. A key never travels in
 * Kafka. When the refresh ends its key is destroyed (the row keeps only the fact), so nothing sealed under it can be
 * opened again, and a destroyed key is never made anew for the same refresh.
 */
public final class DataKeys {
    private static final SecureRandom RANDOM = new SecureRandom();
    private final DataSource ds;
    private final SecretKey kek;

    public DataKeys(DataSource ds, Secret batchKey) {
        if (batchKey == null || !batchKey.isPresent()) {
            throw new IllegalArgumentException("security.batch-key is not set: the export and the anonymizer need it to"
                    + " seal and open raw batches (a random string of 32+ characters, e.g. ${env:RESTAGE_BATCH_KEY})");
        }
        this.ds = ds;
        this.kek = derive(batchKey.reveal());
    }

    static SecretKey derive(String secret) {
        try {
            byte[] k = MessageDigest.getInstance("SHA-256").digest(("restage batch key encryption key\0" + secret)
                    .getBytes(StandardCharsets.UTF_8));
            return new SecretKeySpec(k, "AES");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The refresh's key, made on first use; refused once the refresh's key was destroyed. */
    public SecretKey create(String refreshId) throws SQLException {
        byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(
                "insert into restage_data_key (refresh_id, wrapped) values (?, ?) on conflict do nothing")) {
            ps.setString(1, refreshId);
            ps.setBytes(2, wrap(refreshId, key));
            ps.executeUpdate();
        }
        return get(refreshId).orElseThrow(() -> new IllegalStateException("the data key of refresh " + refreshId
                + " was destroyed: the refresh has ended"));
    }

    public Optional<SecretKey> get(String refreshId) throws SQLException {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(
                "select wrapped from restage_data_key where refresh_id = ? and destroyed_at is null")) {
            ps.setString(1, refreshId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBytes(1) != null ? Optional.of(unwrap(refreshId, rs.getBytes(1))) : Optional.empty();
            }
        }
    }

    /** Destroys the refresh's key (also one that was never made); true if a key was destroyed now. */
    public boolean destroy(String refreshId) throws SQLException {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(
                "insert into restage_data_key (refresh_id, wrapped, destroyed_at) values (?, null, now())"
                        + " on conflict (refresh_id) do update set wrapped = null, destroyed_at = coalesce(restage_data_key.destroyed_at, now())"
                        + " returning (xmax <> 0)")) {
            ps.setString(1, refreshId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    private byte[] wrap(String refreshId, byte[] key) {
        byte[] iv = new byte[12];
        RANDOM.nextBytes(iv);
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, kek, new GCMParameterSpec(128, iv));
            c.updateAAD(refreshId.getBytes(StandardCharsets.UTF_8));
            byte[] ct = c.doFinal(key);
            return ByteBuffer.allocate(iv.length + ct.length).put(iv).put(ct).array();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot wrap a data key: " + e.getMessage(), e);
        }
    }

    private SecretKey unwrap(String refreshId, byte[] wrapped) {
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, kek, new GCMParameterSpec(128, wrapped, 0, 12));
            c.updateAAD(refreshId.getBytes(StandardCharsets.UTF_8));
            return new SecretKeySpec(c.doFinal(wrapped, 12, wrapped.length - 12), "AES");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the data key of refresh " + refreshId + " does not unwrap: security.batch-key"
                    + " differs between the export and this service", e);
        }
    }
}
