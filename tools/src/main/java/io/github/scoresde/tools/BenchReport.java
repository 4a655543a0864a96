package io.github.scoresde.tools;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The bench's table and figures: rows with this library's figure, the reference's and the
 * speed-up (the median of alternating rounds' own), and every figure by key for the JSON.
 */
final class BenchReport {
    private final List<String[]> rows = new ArrayList<>();
    private final Map<String, Double> figures = new LinkedHashMap<>();
    private final Map<String, List<Double>> roundSeconds = new LinkedHashMap<>();

    void row(String workload, String what, String value, String note) {
        rows.add(new String[] {workload, what, value, "", "", note});
    }

    /**
     * A row with the reference's figure beside it and the speed-up: reference time / our time for
     * times, our rate / reference rate for rates (above 1: this library is faster).
     */
    void compared(String workload, String what, String key, double value, double ref, boolean higherIsBetter,
            int digits, String note) {
        compared(workload, what, key, new double[] {value}, new double[] {ref}, higherIsBetter, digits, note);
    }

    /**
     * As above over alternating rounds (round i: {@code values[i]} and then the reference's
     * {@code refs[i]}): the row shows the medians of both and the median of the rounds' speed-ups,
     * each taken within its round, so that a minute in which this shared machine runs slow for
     * one side moves one round rather than the figure; with more than one round the note gives
     * their range and the JSON each round's speed-up.
     */
    void compared(String workload, String what, String key, double[] values, double[] refs,
            boolean higherIsBetter, int digits, String note) {
        double value = median(values);
        List<Double> ratios = new ArrayList<>();
        List<Double> refSeen = new ArrayList<>();
        for (int i = 0; i < values.length; i++) {
            if (!Double.isNaN(refs[i])) {
                ratios.add(higherIsBetter ? values[i] / refs[i] : refs[i] / values[i]);
                refSeen.add(refs[i]);
            }
        }
        if (ratios.isEmpty()) {
            row(workload, what, fmt(value, digits), note);
            return;
        }
        double ref = median(refSeen.stream().mapToDouble(Double::doubleValue).toArray());
        double[] r = ratios.stream().mapToDouble(Double::doubleValue).toArray();
        double speedUp = median(r);
        figure("reference." + key, ref);
        figure("speedup." + key, speedUp);
        String spread = "";
        if (r.length > 1) {
            for (int i = 0; i < r.length; i++) {
                figure("reference." + key + ".round" + (i + 1), refSeen.get(i));
                figure("speedup." + key + ".round" + (i + 1), r[i]);
            }
            double[] sorted = r.clone();
            Arrays.sort(sorted);
            spread = String.format(Locale.ROOT, "; %d rounds, speed-ups %.2f-%.2fx", r.length, sorted[0],
                    sorted[sorted.length - 1]);
        }
        rows.add(new String[] {workload, what, fmt(value, digits), fmt(ref, digits),
                String.format(Locale.ROOT, "%.2fx", speedUp), note + spread});
    }

    /** The median (the mean of the middle two for an even count). */
    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    /** A number at a path of the reference's JSON, NaN when absent. */
    static double at(org.nd4j.shade.jackson.databind.JsonNode node, String... path) {
        org.nd4j.shade.jackson.databind.JsonNode n = node;
        for (String p : path) {
            if (n == null) {
                return Double.NaN;
            }
            n = n.get(p);
        }
        return n == null || !n.isNumber() ? Double.NaN : n.asDouble();
    }

    void figure(String key, double v) {
        figures.put(key, v);
    }

    static String fmt(double v, int digits) {
        return String.format(Locale.ROOT, "%." + digits + "f", v);
    }

    /** The table as text, one row a line. */
    String table() {
        String format = "%-4s %-58s %10s %10s %8s  %s%n";
        StringBuilder table = new StringBuilder(String.format(Locale.ROOT, format, "", "figure", "value", "PyTorch",
                "speed-up", "note"));
        for (String[] r : rows) {
            table.append(String.format(Locale.ROOT, format, (Object[]) r));
        }
        return table.toString();
    }

    /** The figures as the body of a JSON object's "figures" member. */
    String figuresJson() {
        StringBuilder b = new StringBuilder();
        int i = 0;
        for (Map.Entry<String, Double> e : figures.entrySet()) {
            b.append(String.format(Locale.ROOT, "    \"%s\": %s%s%n", e.getKey(), Double.toString(e.getValue()),
                    ++i < figures.size() ? "," : ""));
        }
        return b.toString();
    }

    /** Each timed figure's medians, one per round. */
    List<Double> roundSeconds(String key) {
        return roundSeconds.computeIfAbsent(key, k -> new ArrayList<>());
    }
}
