package io.github.scoresde.samplers.ode;

import static io.github.scoresde.core.testing.NdAssert.assertRejects;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.scoresde.core.OdeSystem;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** ODE solvers on problems with known solutions, in float64. */
class OdeSolverTest {
    /** y' = -lambda y, per component rates. */
    private static final OdeSystem DECAY = (t, y) -> y.mul(Nd4j.createFromArray(new double[][] {{0.5, 2.0}})
            .repeat(0, y.size(0))).negi();

    /** Harmonic oscillator [x, v]' = [v, -omega^2 x], omega = 3. */
    private static final OdeSystem OSCILLATOR = (t, y) -> {
        INDArray d = Nd4j.create(DataType.DOUBLE, y.shape());
        d.getColumn(0).assign(y.getColumn(1));
        d.getColumn(1).assign(y.getColumn(0).mul(-9));
        return d;
    };

    private static INDArray oscillatorExact(double t) {
        // x(0) = 1, v(0) = 0: x = cos 3t, v = -3 sin 3t
        return Nd4j.createFromArray(new double[][] {{Math.cos(3 * t), -3 * Math.sin(3 * t)}});
    }

    private static double error(INDArray a, INDArray b) {
        return a.sub(b).norm2Number().doubleValue();
    }

    @Test
    void fixedStepSolversShowTheirOrderWhenTheStepIsHalved() {
        check(EulerSolver::new, 1);
        check(HeunSolver::new, 2);
        check(RungeKutta4Solver::new, 4);
    }

    private static void check(IntFunction<FixedStepSolver> make, int order) {
        INDArray y0 = Nd4j.createFromArray(new double[][] {{1, 0}});
        double e1 = error(make.apply(40).solve(OSCILLATOR, 0, 2, y0).y(), oscillatorExact(2));
        double e2 = error(make.apply(80).solve(OSCILLATOR, 0, 2, y0).y(), oscillatorExact(2));
        double e3 = error(make.apply(160).solve(OSCILLATOR, 0, 2, y0).y(), oscillatorExact(2));
        double observed = Math.log(e2 / e3) / Math.log(2);
        assertEquals(order, observed, 0.25, "observed order from errors " + e1 + ", " + e2 + ", " + e3);
        FixedStepSolver s = make.apply(80);
        OdeSolution sol = s.solve(OSCILLATOR, 0, 2, y0);
        assertEquals(80 * s.stagesPerStep(), sol.evaluations());
        assertEquals(80, sol.acceptedSteps());
        assertEquals(order, s.order());
    }

    /** A geometric grid of n + 1 times from 1 down to 0.1 (denser near the end, like the EDM grid). */
    private static io.github.scoresde.samplers.TimeGrid geometric(int n) {
        double[] t = new double[n + 1];
        for (int k = 0; k <= n; k++) {
            t[k] = Math.pow(0.1, (double) k / n);
        }
        return io.github.scoresde.samplers.TimeGrid.of(t);
    }

    /**
     * On a non-uniform grid the solvers step through its times, in either direction, and keep
     * their order: y' = -lambda y from t = 1 to 0.1 has y = y0 e^{0.9 lambda}, and back again.
     */
    @Test
    void fixedStepSolversFollowATimeGridInEitherDirection() {
        INDArray y0 = Nd4j.createFromArray(new double[][] {{1, 1}});
        INDArray down = Nd4j.createFromArray(new double[][] {{Math.exp(0.45), Math.exp(1.8)}});
        INDArray up = Nd4j.createFromArray(new double[][] {{Math.exp(-0.45), Math.exp(-1.8)}});
        java.util.List<java.util.function.Function<io.github.scoresde.samplers.TimeGrid, FixedStepSolver>> makers =
                java.util.List.of(EulerSolver::new, HeunSolver::new, RungeKutta4Solver::new);
        int[] orders = {1, 2, 4};
        for (int m = 0; m < makers.size(); m++) {
            double eDown1 = error(makers.get(m).apply(geometric(20)).solve(DECAY, 1, 0.1, y0).y(), down);
            double eDown2 = error(makers.get(m).apply(geometric(40)).solve(DECAY, 1, 0.1, y0).y(), down);
            assertEquals(orders[m], Math.log(eDown1 / eDown2) / Math.log(2), 0.3, "order on the grid, down");
            double eUp1 = error(makers.get(m).apply(geometric(20)).solve(DECAY, 0.1, 1, y0).y(), up);
            double eUp2 = error(makers.get(m).apply(geometric(40)).solve(DECAY, 0.1, 1, y0).y(), up);
            assertEquals(orders[m], Math.log(eUp1 / eUp2) / Math.log(2), 0.3, "order on the grid, up");
            OdeSolution sol = makers.get(m).apply(geometric(20)).solve(DECAY, 1, 0.1, y0);
            assertEquals(20, sol.acceptedSteps());
        }
        assertRejects(() -> new HeunSolver(geometric(10)).solve(DECAY, 1, 0, y0), "the grid runs from 1.0 to",
                "from 1.0 to 0.0");
        assertRejects(() -> new EulerSolver(io.github.scoresde.samplers.TimeGrid.of(0.5)), "at least two times");
    }

    @Test
    void dormandPrinceMeetsItsToleranceForwardAndBackward() {
        INDArray y0 = Nd4j.createFromArray(new double[][] {{1, 1}, {2, -3}});
        DormandPrince45 dp = new DormandPrince45(1e-6, 1e-8);
        OdeSolution forward = dp.solve(DECAY, 0, 3, y0);
        INDArray exact = y0.mul(Nd4j.createFromArray(new double[][] {{Math.exp(-1.5), Math.exp(-6)}}).repeat(0, 2));
        assertTrue(error(forward.y(), exact) < 1e-5, "error " + error(forward.y(), exact));
        assertEquals(2 + 6 * (forward.acceptedSteps() + forward.rejectedSteps()), forward.evaluations());
        // backwards: from t = 3 to 0 recovers y0
        OdeSolution back = dp.solve(DECAY, 3, 0, exact);
        assertTrue(error(back.y(), y0) < 1e-4, "error " + error(back.y(), y0));
        OdeSolution osc = new DormandPrince45(1e-8, 1e-10).solve(OSCILLATOR, 0, 5,
                Nd4j.createFromArray(new double[][] {{1, 0}}));
        assertTrue(error(osc.y(), oscillatorExact(5)) < 1e-6, "error " + error(osc.y(), oscillatorExact(5)));
    }

    @Test
    void dormandPrinceEvaluationsGrowLikeTheFifthRootOfTheTolerance() {
        INDArray y0 = Nd4j.createFromArray(new double[][] {{1, 0}});
        int loose = new DormandPrince45(1e-4, 1e-4).solve(OSCILLATOR, 0, 10, y0).evaluations();
        int tight = new DormandPrince45(1e-9, 1e-9).solve(OSCILLATOR, 0, 10, y0).evaluations();
        // a fifth-order method needs (1e5)^(1/5) = 10 times the steps for 1e5 times the accuracy
        double ratio = (double) tight / loose;
        assertTrue(ratio > 5 && ratio < 20, "NFE " + loose + " -> " + tight + " (ratio " + ratio + ")");
        double errLoose = error(new DormandPrince45(1e-4, 1e-4).solve(OSCILLATOR, 0, 10, y0).y(), oscillatorExact(10));
        double errTight = error(new DormandPrince45(1e-9, 1e-9).solve(OSCILLATOR, 0, 10, y0).y(), oscillatorExact(10));
        assertTrue(errTight < errLoose / 1000, errLoose + " -> " + errTight);
    }

    @Test
    void stabilizedStepControlMeetsTheToleranceAndZeroStabilizationIsTheClassicalController() {
        INDArray y0 = Nd4j.createFromArray(new double[][] {{1, 0}});
        DormandPrince45 classical = new DormandPrince45(1e-7, 1e-7);
        OdeSolution a = classical.solve(OSCILLATOR, 0, 10, y0);
        OdeSolution b = classical.withStepControl(DormandPrince45.DEFAULT_SAFETY, 0).solve(OSCILLATOR, 0, 10, y0);
        assertEquals(a.evaluations(), b.evaluations());
        assertEquals(0, error(a.y(), b.y()), 0);
        DormandPrince45 pi = classical.withStepControl(0.9, 0.04);
        assertEquals(0.04, pi.stabilization(), 0);
        assertEquals(0.9, pi.safety(), 0);
        OdeSolution c = pi.solve(OSCILLATOR, 0, 10, y0);
        assertTrue(error(c.y(), oscillatorExact(10)) < 1e-5, "error " + error(c.y(), oscillatorExact(10)));
        // another controller takes other steps
        assertTrue(c.evaluations() != a.evaluations() || error(c.y(), a.y()) > 0);
        assertEquals(2 + 6 * (c.acceptedSteps() + c.rejectedSteps()), c.evaluations());
        // a smaller safety factor asks for smaller steps: more of them, and a smaller error
        OdeSolution careful = classical.withStepControl(0.5, 0).solve(OSCILLATOR, 0, 10, y0);
        assertTrue(careful.acceptedSteps() > a.acceptedSteps(), careful.acceptedSteps() + " vs " + a.acceptedSteps());
        assertTrue(error(careful.y(), oscillatorExact(10)) < error(a.y(), oscillatorExact(10)));
        assertThrows(IllegalArgumentException.class, () -> classical.withStepControl(1.5, 0));
        assertThrows(IllegalArgumentException.class, () -> classical.withStepControl(0.9, -0.01));
        assertThrows(IllegalArgumentException.class, () -> classical.withStepControl(0.9, 0.2));
        assertThrows(IllegalArgumentException.class, () -> classical.withStepControl(Double.NaN, 0));
    }

    /** The oscillator, adding every derivative it returns to {@code returned}. */
    private static OdeSystem recording(java.util.List<INDArray> returned) {
        return (t, y) -> {
            INDArray k = OSCILLATOR.derivative(t, y);
            returned.add(k);
            return k;
        };
    }

    @Test
    void dormandPrinceReleasesEveryDerivativeAndKeepsTheResult() {
        java.util.List<INDArray> returned = new java.util.ArrayList<>();
        OdeSystem recording = recording(returned);
        INDArray y0 = Nd4j.createFromArray(new double[][] {{1, 0}});
        OdeSolution sol = new DormandPrince45(1e-6, 1e-6).solve(recording, 0, 3, y0);
        assertTrue(error(sol.y(), oscillatorExact(3)) < 1e-4, "error " + error(sol.y(), oscillatorExact(3)));
        // every derivative, the initial-step probe's and the last (carried as the FSAL stage until
        // the solve ends) included, is freed by the end of the solve; the result and y0 are not
        long closed = returned.stream().filter(INDArray::wasClosed).count();
        assertEquals(returned.size(), closed, closed + " of " + returned.size() + " released");
        assertTrue(!sol.y().wasClosed() && !y0.wasClosed());
        assertEquals(sol.evaluations(), returned.size());
    }

    @Test
    void fixedStepSolversReleaseTheirDerivativesAndKeepTheResult() {
        for (FixedStepSolver solver : new FixedStepSolver[] {new EulerSolver(200), new HeunSolver(200),
                new RungeKutta4Solver(200)}) {
            java.util.List<INDArray> returned = new java.util.ArrayList<>();
            OdeSystem recording = recording(returned);
            INDArray y0 = Nd4j.createFromArray(new double[][] {{1, 0}});
            OdeSolution sol = solver.solve(recording, 0, 1, y0);
            assertEquals(sol.evaluations(), returned.size(), solver.toString());
            assertEquals(returned.size(), returned.stream().filter(INDArray::wasClosed).count(), solver.toString());
            assertTrue(!sol.y().wasClosed() && !y0.wasClosed(), solver.toString());
            assertTrue(error(sol.y(), oscillatorExact(1)) < 0.1, solver + " error " + error(sol.y(), oscillatorExact(1)));
        }
    }

    @Test
    void dormandPrinceAcceptsASystemThatReturnsOneArrayEveryTime() {
        // the contract asks for a new array per call; a constant derivative returned as one shared
        // array must still not be released while it is in use
        INDArray slope = Nd4j.createFromArray(new double[][] {{2, -1}});
        OdeSolution sol = new DormandPrince45().solve((t, y) -> slope, 0, 1.5, Nd4j.zeros(DataType.DOUBLE, 1, 2));
        assertEquals(3, sol.y().getDouble(0, 0), 1e-9);
        assertEquals(-1.5, sol.y().getDouble(0, 1), 1e-9);
        assertTrue(!slope.wasClosed());
        // and a second solve with the same system still works
        OdeSolution again = new DormandPrince45().solve((t, y) -> slope, 0, 1, Nd4j.zeros(DataType.DOUBLE, 1, 2));
        assertEquals(2, again.y().getDouble(0, 0), 1e-9);
    }

    @Test
    void stepLimitFailsWithTheTimeReached() {
        DormandPrince45 dp = new DormandPrince45(1e-10, 1e-10, 5, 0);
        OdeSolverException e = assertThrows(OdeSolverException.class,
                () -> dp.solve(OSCILLATOR, 0, 10, Nd4j.createFromArray(new double[][] {{1, 0}})));
        assertTrue(e.getMessage().contains("limit of 5 steps at t = "), e.getMessage());
        assertTrue(e.timeReached() > 0 && e.timeReached() < 10, "time reached " + e.timeReached());
        assertTrue(e.getMessage().contains("before reaching 10.0"), e.getMessage());
    }

    @Test
    void nonFiniteStateFailsWithTheStep() {
        OdeSystem blowUp = (t, y) -> y.mul(y).muli(1e200);
        OdeSolverException e = assertThrows(OdeSolverException.class,
                () -> new EulerSolver(10).solve(blowUp, 0, 1, Nd4j.createFromArray(new double[][] {{10.0}})));
        assertTrue(e.getMessage().contains("non-finite state at step"), e.getMessage());
    }

    /**
     * A derivative that overflows from the start (data near the float limits) leaves the step
     * controller no step size: the solver says so rather than passing t = NaN to the system.
     */
    @Test
    void anOverflowingDerivativeFailsNamingTheCause() {
        java.util.List<Double> times = new java.util.ArrayList<>();
        OdeSystem overflow = (t, y) -> {
            times.add(t);
            return y.mul(Double.POSITIVE_INFINITY);
        };
        OdeSolverException e = assertThrows(OdeSolverException.class, () -> new DormandPrince45(1e-5, 1e-5)
                .solve(overflow, 0, 1, Nd4j.createFromArray(new float[][] {{1e30f, -3e30f}})));
        assertTrue(e.getMessage().contains("the state or its derivative is not finite"), e.getMessage());
        assertTrue(times.stream().allMatch(Double::isFinite), "the system saw only finite times: " + times);
    }

    @Test
    void aReportingSystemReportsTheFractionCoveredInBothDirections() {
        for (double[] span : new double[][] {{0, 1}, {1, 0.001}}) {
            java.util.List<Double> seen = new java.util.ArrayList<>();
            OdeSystem f = OdeSystem.reporting(DECAY, span[0], span[1], seen::add);
            new RungeKutta4Solver(20).solve(f, span[0], span[1], Nd4j.ones(DataType.DOUBLE, 1, 2));
            assertTrue(seen.size() >= 20, "reports " + seen);
            assertEquals(0, seen.get(0), 0);
            assertEquals(1, seen.get(seen.size() - 1), 1e-12);
            for (int i = 1; i < seen.size(); i++) {
                assertTrue(seen.get(i) > seen.get(i - 1), "increasing: " + seen);
            }
        }
    }

    @Test
    void rejectsBadArguments() {
        assertRejects(() -> new EulerSolver(0), "steps must be positive", "0");
        assertRejects(() -> new RungeKutta4Solver(-3), "steps must be positive", "-3");
        assertRejects(() -> new DormandPrince45(0, 1e-5), "rtol must be positive", "0.0");
        assertRejects(() -> new DormandPrince45(1e-5, -1), "atol must be positive", "-1.0");
        assertRejects(() -> new DormandPrince45(1e-5, 1e-5, 0, 0), "maxSteps must be positive", "0");
        assertRejects(() -> new DormandPrince45().solve(DECAY, Double.NaN, 1, Nd4j.ones(1, 2)), "t0 must be finite");
        assertRejects(() -> new HeunSolver(3).solve(DECAY, 0, 1, null), "y0 must not be null");
    }
}
