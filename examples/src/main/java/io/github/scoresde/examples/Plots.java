package io.github.scoresde.examples;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Small helpers over XChart: 2-D scatter panels and a grid of panels written as one PNG. */
public final class Plots {
    private Plots() {
    }

    /**
     * A scatter panel of the first two coordinates of {@code points} ({@code [n, >= 2]}).
     *
     * @param range the axes show [-range, range] in both directions
     */
    public static XYChart scatter(String title, INDArray points, double range, Color color) {
        XYChart chart = new XYChartBuilder().width(360).height(360).title(title).build();
        chart.getStyler().setLegendVisible(false);
        chart.getStyler().setMarkerSize(2);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setPlotGridLinesVisible(false);
        chart.getStyler().setXAxisMin(-range);
        chart.getStyler().setXAxisMax(range);
        chart.getStyler().setYAxisMin(-range);
        chart.getStyler().setYAxisMax(range);
        int n = (int) points.size(0);
        double[] xs = new double[n];
        double[] ys = new double[n];
        for (int i = 0; i < n; i++) {
            xs[i] = points.getDouble(i, 0);
            ys[i] = points.getDouble(i, 1);
        }
        XYSeries s = chart.addSeries("points", xs, ys);
        s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        s.setMarker(SeriesMarkers.CIRCLE);
        s.setMarkerColor(new Color(color.getRed(), color.getGreen(), color.getBlue(), 90));
        return chart;
    }

    /**
     * A heat map of values on a square grid ({@code values[i][j]} at x = xs[i], y = ys[j]), colours
     * from white to dark blue.
     */
    public static org.knowm.xchart.HeatMapChart heatMap(String title, double[] xs, double[] ys, double[][] values) {
        org.knowm.xchart.HeatMapChart c = new org.knowm.xchart.HeatMapChartBuilder().width(360).height(360)
                .title(title).build();
        c.getStyler().setLegendVisible(false);
        c.getStyler().setChartBackgroundColor(Color.WHITE);
        c.getStyler().setShowValue(false);
        c.getStyler().setRangeColors(new Color[] {Color.WHITE, new Color(120, 160, 230), new Color(10, 30, 120)});
        c.getStyler().setXAxisDecimalPattern("0.0");
        c.getStyler().setYAxisDecimalPattern("0.0");
        java.util.List<Double> xl = new java.util.ArrayList<>();
        java.util.List<Double> yl = new java.util.ArrayList<>();
        for (double x : xs) {
            xl.add(Math.round(x * 10) / 10.0);
        }
        for (double y : ys) {
            yl.add(Math.round(y * 10) / 10.0);
        }
        java.util.List<Number[]> heat = new java.util.ArrayList<>();
        double max = 0;
        for (int i = 0; i < xs.length; i++) {
            for (int j = 0; j < ys.length; j++) {
                heat.add(new Number[] {i, j, values[i][j]});
                max = Math.max(max, values[i][j]);
            }
        }
        c.getStyler().setMin(0);
        c.getStyler().setMax(max > 0 ? max : 1);
        c.addSeries("density", xl, yl, heat);
        return c;
    }

    /** Renders the charts side by side in rows of {@code columns} and writes one PNG; returns its path. */
    public static Path writeGrid(List<? extends org.knowm.xchart.internal.chartpart.Chart<?, ?>> charts, int columns,
            Path out) {
        if (charts.isEmpty()) {
            throw new IllegalArgumentException("charts must not be empty");
        }
        int rows = (charts.size() + columns - 1) / columns;
        BufferedImage first = BitmapEncoder.getBufferedImage(charts.get(0));
        int w = first.getWidth();
        int h = first.getHeight();
        BufferedImage grid = new BufferedImage(w * Math.min(columns, charts.size()), h * rows,
                BufferedImage.TYPE_INT_RGB);
        Graphics2D g = grid.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, grid.getWidth(), grid.getHeight());
        for (int i = 0; i < charts.size(); i++) {
            BufferedImage img = i == 0 ? first : BitmapEncoder.getBufferedImage(charts.get(i));
            g.drawImage(img, (i % columns) * w, (i / columns) * h, null);
        }
        g.dispose();
        try {
            Path parent = out.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            File file = out.toFile();
            if (!ImageIO.write(grid, "png", file)) {
                throw new IOException("no PNG writer available");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + out + ": " + e.getMessage(), e);
        }
        return out;
    }
}
