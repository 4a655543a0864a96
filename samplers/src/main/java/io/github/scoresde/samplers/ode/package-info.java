/**
 * Numerical ODE solvers behind one interface, separate from the equation
 * ({@link io.github.scoresde.core.OdeSystem}): fixed-step {@link io.github.scoresde.samplers.ode.EulerSolver},
 * {@link io.github.scoresde.samplers.ode.HeunSolver}, {@link io.github.scoresde.samplers.ode.RungeKutta4Solver},
 * and the adaptive {@link io.github.scoresde.samplers.ode.DormandPrince45}. Each declares its
 * order and reports its function evaluations and accepted / rejected steps.
 */
package io.github.scoresde.samplers.ode;
