package io.p2p4j.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Renders {@link ScenarioRow}s as the Markdown table {@code bench/run all} prints and writes. */
final class ScenarioTable {
    private final List<ScenarioRow> rows = new ArrayList<>();

    void add(ScenarioRow row) {
        rows.add(row);
    }

    List<ScenarioRow> rows() {
        return List.copyOf(rows);
    }

    String markdown() {
        StringBuilder out = new StringBuilder();
        out.append("| scenario | p2p4j | ceiling (same run) | × ceiling | Go v0.38.25 (same run) | × Go | target |\n");
        out.append("| --- | --- | --- | --- | --- | --- | --- |\n");
        for (ScenarioRow r : rows) {
            out.append("| ").append(r.scenario()).append(" | ").append(figure(r.p2p4j(), r.unit()))
                    .append(" | ").append(figure(r.ceiling(), r.unit())).append(" | ").append(ratio(r.ceilingRatio()))
                    .append(" | ").append(figure(r.go(), r.unit())).append(" | ").append(ratio(r.goRatio()))
                    .append(" | ").append(r.target()).append(" |\n");
        }
        return out.toString();
    }

    /** Three significant figures at most, with thousands separators, and the unit. */
    static String figure(double value, String unit) {
        if (Double.isNaN(value)) {
            return "–";
        }
        double magnitude = Math.abs(value);
        String number = magnitude >= 100 ? String.format(Locale.ROOT, "%,.0f", value)
                : magnitude >= 10 ? String.format(Locale.ROOT, "%.1f", value)
                : String.format(Locale.ROOT, "%.2f", value);
        return number + " " + unit;
    }

    static String ratio(double value) {
        return Double.isNaN(value) || Double.isInfinite(value) ? "–" : String.format(Locale.ROOT, "%.2f×", value);
    }
}
