package io.restage.common.config;

/** The configuration file is wrong; the message names the file, the property path and what to do. */
public class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
