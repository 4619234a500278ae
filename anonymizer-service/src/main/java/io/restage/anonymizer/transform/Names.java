package io.restage.anonymizer.transform;

/** Given names and family names used for fake people (common in English- and German-speaking countries). */
final class Names {
    static final String[] FIRST = {
            "Alex", "Anna", "Ben", "Clara", "David", "Emma", "Felix", "Grace", "Hannah", "Isaac", "Jana", "Jonas",
            "Julia", "Karl", "Laura", "Leon", "Lena", "Lukas", "Maria", "Max", "Mia", "Noah", "Olivia", "Paul",
            "Petra", "Quinn", "Rosa", "Sam", "Sara", "Sophie", "Thomas", "Uma", "Victor", "Wendy", "Xavier", "Yara",
            "Zoe", "Elias", "Frieda", "Henry", "Ida", "Jack", "Klara", "Liam", "Marta", "Nora", "Oskar", "Pia",
            "Ruth", "Tim"};
    static final String[] LAST = {
            "Adams", "Becker", "Brown", "Clark", "Davis", "Evans", "Fischer", "Garcia", "Hall", "Hoffmann", "Jones",
            "Keller", "King", "Klein", "Lewis", "Meyer", "Miller", "Moore", "Neumann", "Parker", "Richter", "Roberts",
            "Schmidt", "Schneider", "Schulz", "Scott", "Smith", "Taylor", "Turner", "Wagner", "Walker", "Weber",
            "White", "Wolf", "Wright", "Young", "Zimmermann", "Baker", "Carter", "Hughes", "Krause", "Lange",
            "Morgan", "Price", "Schwarz", "Stewart", "Vogel", "Ward", "Wood", "Ziegler"};

    private Names() {
    }
}
