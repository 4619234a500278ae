package io.restage.anonymizer.transform;

/** Reading transformer parameters, once per table plan, with errors that name the parameter and its range. */
final class Params {

    /** Reads a whole-number parameter, with its range in the error. */
    static int intParam(String transformer, String name, String value, int fallback, int min, int max) {
        if (value == null) {
            return fallback;
        }
        int v;
        try {
            v = Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(transformer + " " + name + " must be a whole number from " + min + " to "
                    + max + ", got '" + value + "'");
        }
        if (v < min || v > max) {
            throw new IllegalArgumentException(transformer + " " + name + " must be from " + min + " to " + max + ", got " + v);
        }
        return v;
    }

    private Params() {
    }
}
