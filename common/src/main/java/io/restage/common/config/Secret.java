package io.restage.common.config;

/** A credential. Its {@code toString} never shows the value, so it cannot leak into logs or error messages. */
public record Secret(String value) {
    public String reveal() {
        return value;
    }

    public boolean isPresent() {
        return value != null && !value.isEmpty();
    }

    @Override
    public String toString() {
        return value == null ? "<unset>" : "****";
    }
}
