package io.github.scoresde.samplers.ode;

import static io.github.scoresde.samplers.ode.Stages.combine;
import static io.github.scoresde.samplers.ode.Stages.same;

import io.github.scoresde.core.Checks;
import io.github.scoresde.core.NdArrays;
import io.github.scoresde.core.OdeSystem;
import io.github.scoresde.core.kernels.Kernels;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The Dormand-Prince 5(4) embedded Runge-Kutta pair (Dormand and Prince, "A family of embedded
 * Runge-Kutta formulae", J. Comp. Appl. Math. 6, 1980) with adaptive step size: the fifth-order
 * solution is propagated, the difference to the embedded fourth-order one estimates the error,
 * and the last stage is reused as the first of the next step (FSAL), so a step costs six
 * evaluations. The step-size control follows the common practice of scipy's {@code RK45}: error
 * norm = RMS of err / (atol + rtol max(|y|, |y_new|)), accept when it is at most 1, new step =
 * h min(10, max(0.2, 0.9 norm^(-1/5))) (no growth right after a rejection), and Hairer's
 * initial-step selection (Hairer, Norsett and Wanner, "Solving ODEs I", section II.4) unless an
 * initial step is given, its probe step kept inside [t0, t1] as in current scipy (scipy 1.10 did
 * not clip it and could evaluate the system outside the interval). NFE = 2 + 6 (accepted +
 * rejected) with the automatic initial step.
 *
 * <p>{@link #withStepControl} sets the controller's safety factor and a stabilization beta: with
 * beta &gt; 0 the accepted-step factor becomes safety norm^-(0.2 - 0.75 beta) prev^beta, prev the
 * last accepted step's norm (at least 1e-4), the "PI" control of Gustafsson (1991) in the form of
 * Hairer's DOPRI5 (HNW section IV.2), which damps the accept/reject oscillation of a step size
 * held back by stability. Whether it saves evaluations depends on the problem and the direction
 * (on the probability flow: fewer when sampling, more when integrating the likelihood), so this class's default stays the classical controller (beta = 0)
 * and the probability-flow sampler chooses PI control ({@link #PI_STABILIZATION}) where it samples.
 *
 * <p>The error norm is taken over the <em>whole state</em>, i.e. over every value of every sample
 * of a batch together, as scipy's {@code solve_ivp} does on a flattened batch: all samples share
 * one step size. A batch therefore takes the steps its hardest sample needs, and a sample's
 * result depends (within tolerance) on the batch it is solved in.
 */
public final class DormandPrince45 implements OdeSolver {
    /** The reference's tolerance for sampling and likelihood (Song et al. 2021). */
    public static final double DEFAULT_TOLERANCE = 1e-5;
    /** Default limit of accepted + rejected steps. */
    public static final int DEFAULT_MAX_STEPS = 100_000;

    private static final double C2 = 1.0 / 5, C3 = 3.0 / 10, C4 = 4.0 / 5, C5 = 8.0 / 9;
    private static final double A21 = 1.0 / 5;
    private static final double A31 = 3.0 / 40, A32 = 9.0 / 40;
    private static final double A41 = 44.0 / 45, A42 = -56.0 / 15, A43 = 32.0 / 9;
    private static final double A51 = 19372.0 / 6561, A52 = -25360.0 / 2187, A53 = 64448.0 / 6561,
            A54 = -212.0 / 729;
    private static final double A61 = 9017.0 / 3168, A62 = -355.0 / 33, A63 = 46732.0 / 5247, A64 = 49.0 / 176,
            A65 = -5103.0 / 18656;
    private static final double B1 = 35.0 / 384, B3 = 500.0 / 1113, B4 = 125.0 / 192, B5 = -2187.0 / 6784,
            B6 = 11.0 / 84;
    /** b - b*: fifth- minus fourth-order weights. */
    private static final double E1 = 71.0 / 57600, E3 = -71.0 / 16695, E4 = 71.0 / 1920, E5 = -17253.0 / 339200,
            E6 = 22.0 / 525, E7 = -1.0 / 40;
    /** The default safety factor of the step controller. */
    public static final double DEFAULT_SAFETY = 0.9;
    /** The default stabilization (beta) of the step controller: the classical controller. */
    public static final double DEFAULT_STABILIZATION = 0.0;
    /** The stabilization (beta) of Hairer's DOPRI5 PI controller, 0.04. */
    public static final double PI_STABILIZATION = 0.04;
    private static final double MIN_FACTOR = 0.2, MAX_FACTOR = 10;
    /** The error norm a step controller assumes before the first accepted step (Hairer's DOPRI5). */
    private static final double FIRST_PREVIOUS_NORM = 1e-4;

    private final double rtol;
    private final double atol;
    private final int maxSteps;
    private final double initialStep;
    private final double safety;
    private final double stabilization;

    /** rtol = atol = 1e-5, automatic initial step, at most 100,000 steps. */
    public DormandPrince45() {
        this(DEFAULT_TOLERANCE, DEFAULT_TOLERANCE);
    }

    /** The given tolerances, automatic initial step, at most 100,000 steps. */
    public DormandPrince45(double rtol, double atol) {
        this(rtol, atol, DEFAULT_MAX_STEPS, 0);
    }

    /**
     * @param rtol relative tolerance &gt; 0
     * @param atol absolute tolerance &gt; 0
     * @param maxSteps limit on accepted + rejected steps, &gt;= 1
     * @param initialStep the first step's size &gt; 0, or 0 to select it automatically
     */
    public DormandPrince45(double rtol, double atol, int maxSteps, double initialStep) {
        this(rtol, atol, maxSteps, initialStep, DEFAULT_SAFETY, DEFAULT_STABILIZATION);
    }

    private DormandPrince45(double rtol, double atol, int maxSteps, double initialStep, double safety,
            double stabilization) {
        this.rtol = Checks.positive("rtol", rtol);
        this.atol = Checks.positive("atol", atol);
        this.maxSteps = Checks.positive("maxSteps", maxSteps);
        this.initialStep = Checks.nonNegative("initialStep", initialStep);
        this.safety = Checks.inRange("safety", safety, 0.1, 1);
        this.stabilization = Checks.inRange("stabilization", stabilization, 0, 0.1);
    }

    /**
     * This solver with another step-size controller (see the class comment):
     * {@code withStepControl(0.9, 0)} is scipy's {@code RK45}, {@code (0.9, 0.04)} the default of
     * Hairer's DOPRI5.
     *
     * @param safety the factor that keeps the next step below the one the error estimate asks
     *     for, in [0.1, 1]
     * @param stabilization the weight beta of the previous step's error (the "PI" part), in
     *     [0, 0.1]; 0 is the classical controller, which uses the last error only
     */
    public DormandPrince45 withStepControl(double safety, double stabilization) {
        return new DormandPrince45(rtol, atol, maxSteps, initialStep, safety, stabilization);
    }

    /** rtol. */
    public double rtol() {
        return rtol;
    }

    /** atol. */
    public double atol() {
        return atol;
    }

    /** The step controller's safety factor. */
    public double safety() {
        return safety;
    }

    /** The step controller's stabilization beta (0: the classical controller). */
    public double stabilization() {
        return stabilization;
    }

    @Override
    public int order() {
        return 5;
    }

    @Override
    public OdeSolution solve(OdeSystem f, double t0, double t1, INDArray y0) {
        Checks.notNull("system", f);
        Checks.notNull("y0", y0);
        Checks.finite("t0", t0);
        Checks.finite("t1", t1);
        INDArray y = y0.dup();
        if (t0 == t1) {
            return new OdeSolution(y, t1, 0, 0, 0);
        }
        double dir = Math.signum(t1 - t0);
        double span = Math.abs(t1 - t0);
        INDArray k1 = f.derivative(t0, y);
        int nfe = 1;
        double h;
        if (initialStep > 0) {
            h = Math.min(initialStep, span);
        } else {
            h = selectInitialStep(f, t0, y, k1, dir, span);
            nfe++;
        }
        double t = t0;
        INDArray stage = null;
        INDArray spare = null;
        int accepted = 0;
        int rejected = 0;
        boolean rejectedThisStep = false;
        boolean shared = false;
        double previousNorm = FIRST_PREVIOUS_NORM;
        double exponent = 0.2 - 0.75 * stabilization;
        double minStep = 10 * Math.ulp(Math.max(Math.abs(t0), Math.abs(t1)));
        while (dir * (t1 - t) > 0) {
            if (accepted + rejected >= maxSteps) {
                throw new OdeSolverException("Dormand-Prince reached its limit of " + maxSteps + " steps at t = "
                        + t + " before reaching " + t1 + " (" + nfe + " evaluations); loosen rtol/atol or raise maxSteps",
                        t);
            }
            if (Double.isNaN(h)) {
                throw new OdeSolverException("Dormand-Prince cannot choose a step at t = " + t + ": the state or "
                        + "its derivative is not finite (largest |state| " + y.amaxNumber().doubleValue() + "); scale "
                        + "the data to moderate values or loosen rtol/atol", t);
            }
            if (h < minStep) {
                throw new OdeSolverException("Dormand-Prince step size underflow at t = " + t + " (h = " + h
                        + ") before reaching " + t1 + "; the problem is too stiff or not finite", t);
            }
            double tNew = t + dir * h;
            if (dir * (tNew - t1) > 0) {
                tNew = t1;
            }
            double hs = tNew - t; // signed
            // the stage inputs share one buffer, and the proposed state alternates with the current
            // one: OdeSystem.derivative may not keep its argument
            if (stage == null) {
                stage = y.ulike();
                spare = y.ulike();
            }
            INDArray k2 = f.derivative(t + C2 * hs, combine(stage, y, hs, new double[] {A21}, k1));
            INDArray k3 = f.derivative(t + C3 * hs, combine(stage, y, hs, new double[] {A31, A32}, k1, k2));
            INDArray k4 = f.derivative(t + C4 * hs, combine(stage, y, hs, new double[] {A41, A42, A43}, k1, k2, k3));
            INDArray k5 = f.derivative(t + C5 * hs,
                    combine(stage, y, hs, new double[] {A51, A52, A53, A54}, k1, k2, k3, k4));
            INDArray k6 = f.derivative(tNew,
                    combine(stage, y, hs, new double[] {A61, A62, A63, A64, A65}, k1, k2, k3, k4, k5));
            INDArray yNew = combine(spare, y, hs, new double[] {B1, B3, B4, B5, B6}, k1, k3, k4, k5, k6);
            INDArray k7 = f.derivative(tNew, yNew);
            nfe += 6;
            double norm = Kernels.scaledErrorRms(y, yNew, rtol, atol, hs, new double[] {E1, E3, E4, E5, E6, E7}, same(k1, y),
                    same(k3, y), same(k4, y), same(k5, y), same(k6, y), same(k7, y));
            // the step's derivatives are dead once it is decided (k7 lives on as the next k1 when
            // it is accepted): freed now rather than when the collector finds them
            boolean accept = Double.isFinite(norm) && norm <= 1;
            NdArrays.releaseExcept(new INDArray[] {accept ? k7 : k1, y, stage, spare}, k1, k2, k3, k4, k5, k6, k7);
            // a system that hands back one array every time (against its contract) keeps it
            shared |= k7 == k1 || k2 == k1;
            if (!Double.isFinite(norm)) {
                rejected++;
                h *= MIN_FACTOR;
                rejectedThisStep = true;
                continue;
            }
            if (accept) {
                double factor = norm == 0 ? MAX_FACTOR
                        : Math.max(MIN_FACTOR, Math.min(MAX_FACTOR,
                                safety * Math.pow(norm, -exponent) * Math.pow(previousNorm, stabilization)));
                if (rejectedThisStep) {
                    factor = Math.min(1, factor);
                }
                h = Math.abs(hs) * factor;
                t = tNew;
                spare = y;
                y = yNew;
                k1 = k7;
                accepted++;
                previousNorm = Math.max(norm, FIRST_PREVIOUS_NORM);
                rejectedThisStep = false;
            } else {
                h = Math.abs(hs) * Math.max(MIN_FACTOR, safety * Math.pow(norm, -exponent));
                rejected++;
                rejectedThisStep = true;
            }
        }
        // the solve's own buffers and last derivative: freed now, so that a caller's solves in a row
        // reuse native memory instead of leaving it to the collector
        NdArrays.releaseExcept(new INDArray[] {y}, stage, spare);
        if (!shared) {
            NdArrays.releaseExcept(new INDArray[] {y}, k1);
        }
        return new OdeSolution(y, t1, nfe, accepted, rejected);
    }

    private static double rms(INDArray x) {
        double n2 = x.norm2Number().doubleValue();
        return n2 / Math.sqrt(x.length());
    }

    private double selectInitialStep(OdeSystem f, double t0, INDArray y0, INDArray f0, double dir, double span) {
        INDArray scale = Transforms.abs(y0, true).muli(rtol).addi(atol);
        INDArray scaled = y0.div(scale);
        double d0 = rms(scaled);
        scaled.assign(f0).divi(scale);
        double d1 = rms(scaled);
        double h0 = d0 < 1e-5 || d1 < 1e-5 ? 1e-6 : 0.01 * d0 / d1;
        h0 = Math.min(h0, span);
        INDArray y1 = f0.mul(dir * h0).addi(y0);
        INDArray f1 = same(f.derivative(t0 + dir * h0, y1), y0);
        double d2 = rms(scaled.assign(f1).subi(f0).divi(scale)) / h0;
        // the probe's arrays are dead now: freed at once, as the step's derivatives are
        NdArrays.releaseExcept(new INDArray[] {y0, f0}, scale, scaled, y1, f1);
        double h1 = d1 <= 1e-15 && d2 <= 1e-15 ? Math.max(1e-6, h0 * 1e-3)
                : Math.pow(0.01 / Math.max(d1, d2), 1.0 / 5);
        return Math.min(Math.min(100 * h0, h1), span);
    }

    @Override
    public String toString() {
        return "DormandPrince45[rtol=" + rtol + ", atol=" + atol + ", maxSteps=" + maxSteps + ", initialStep="
                + (initialStep > 0 ? initialStep : "auto") + ", safety=" + safety + ", stabilization="
                + stabilization + "]";
    }
}
