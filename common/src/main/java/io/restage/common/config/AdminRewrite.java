package io.restage.common.config;

/**
 * The production admin row is rewritten in place, never replaced: the row of {@code table} whose
 * {@code matchColumn} equals {@code matchValue} keeps its primary key (it anchors foreign keys) and gets
 * {@code email} in {@code emailColumn} and the bcrypt hash of {@code password} in {@code passwordColumn}.
 */
public record AdminRewrite(String table, String matchColumn, Secret matchValue, String emailColumn, String email,
                           String passwordColumn, Secret password) {
}
