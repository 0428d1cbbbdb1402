package io.p2p4j.bench;

/**
 * One line of {@code bench/run all}'s table: a scenario of performance.md section 3, p2p4j's
 * figure, the machine's ceiling and Go CometBFT v0.38.25's figure measured in the same run (NaN
 * where the scenario has none), and the target. Ratios are p2p4j's figure over the other, so
 * for a figure where lower is better (latency, memory, time) a ratio below 1 is the good side.
 */
record ScenarioRow(String scenario, String unit, double p2p4j, double ceiling, double go, String target) {

    double ceilingRatio() {
        return p2p4j / ceiling;
    }

    double goRatio() {
        return p2p4j / go;
    }

    /** A row for a scenario that could not be measured in this run, with the reason. */
    static ScenarioRow failed(String scenario, String unit, String target, Throwable why) {
        return new ScenarioRow(scenario + " (failed: " + String.valueOf(why.getMessage()).lines().findFirst().orElse("")
                + ")", unit, Double.NaN, Double.NaN, Double.NaN, target);
    }
}
