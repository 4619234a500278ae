package io.restage.importer.staging;

/** What a staged table's end marker says of the batches staged so far. */
public sealed interface TableProof {

    /** The end marker or some batches have not arrived yet: nothing to say. */
    record Pending() implements TableProof {
    }

    /** Every batch 0..n-1 present once, rows and checksum equal to the end marker. */
    record Proven() implements TableProof {
    }

    /** The batches cannot add up to what was exported: the reason names the table and what differs, never a value. */
    record Problem(String reason) implements TableProof {
    }
}
