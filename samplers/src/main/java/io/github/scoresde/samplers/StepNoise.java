package io.github.scoresde.samplers;

import io.github.scoresde.core.NdArrays;
import io.github.scoresde.core.RandomSource;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.locks.LockSupport;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The standard normal noise of one sampling run's steps: slot {@code s} of step {@code k} is
 * {@code steps.stream(k).stream(s)} drawn for the run's rows (float32, {@code [rows, sampleShape...]}),
 * a pure function of (seed, step, slot, sample index).
 *
 * <p>Drawing ahead: when a step asks for a slot, the same slot of the next {@value #DEPTH} steps is
 * drawn (where not yet asked for) on a background thread, while this thread evaluates the score;
 * the next steps then find their draws ready.
 * The values are those of a draw in place (the draw is a pure function of its key), so results do
 * not depend on it. It pays where the noise is a sizeable part of a step (the exact score's
 * samplers: a 4096 x 2 draw is about a third of an Euler-Maruyama step) and there is a second core
 * for it: it is on when the machine has at least two processors and a draw holds at least
 * {@value #AHEAD_MIN_VALUES} values, unless the sampler says otherwise.
 *
 * <p>Not thread-safe: one run, one thread (the background thread only makes new arrays, outside
 * any workspace).
 */
final class StepNoise implements AutoCloseable {
    /** Values per draw below which drawing ahead costs more than it saves. */
    static final int AHEAD_MIN_VALUES = 4096;

    /** How long the background thread keeps looking for the next draw before it sleeps. */
    static final long SPIN_NANOS = 300_000;
    /** How long a step waits for a draw still in progress before it draws in place. */
    static final long JOIN_NANOS = 50_000;
    /**
     * How many steps ahead the draws are made: two, so that a draw the background thread finishes
     * late (it was descheduled, or a step was short) is made up in the next step rather than drawn
     * again in place.
     */
    static final int DEPTH = 2;
    private static volatile Worker worker;

    private final RandomSource steps;
    private final long firstIndex;
    private final int rows;
    private final int perRow;
    private final long[] shape;
    private final int stepCount;
    private final boolean ahead;
    private final Map<Long, Future<INDArray>> pending = new HashMap<>();
    /** Each thread's draw buffer (this run's thread and the background thread): copied into the array at once. */
    private static final ThreadLocal<float[]> BUFFER = new ThreadLocal<>();

    /**
     * @param steps the run's step stream (step k's noise comes from {@code steps.stream(k)})
     * @param firstIndex the sample index of the first row
     * @param rows the rows of a draw
     * @param sampleShape the shape of one sample
     * @param stepCount the number of steps of the run (nothing is drawn ahead past the last)
     */
    StepNoise(RandomSource steps, long firstIndex, int rows, long[] sampleShape, int stepCount) {
        this(steps, firstIndex, rows, sampleShape, stepCount, null);
    }

    /** As above, drawing ahead or not as {@code ahead} says ({@code null}: {@link #aheadByDefault}). */
    StepNoise(RandomSource steps, long firstIndex, int rows, long[] sampleShape, int stepCount, Boolean ahead) {
        this.steps = steps;
        this.firstIndex = firstIndex;
        this.rows = rows;
        long per = 1;
        for (long s : sampleShape) {
            per *= s;
        }
        this.perRow = Math.toIntExact(per);
        this.shape = io.github.scoresde.core.NdArrays.batchShape(rows, sampleShape);
        this.stepCount = stepCount;
        this.ahead = ahead != null ? ahead : aheadByDefault((long) rows * perRow);
    }

    /** Whether a run whose draws hold this many values draws ahead by default (see the class comment). */
    static boolean aheadByDefault(long values) {
        return Runtime.getRuntime().availableProcessors() >= 2 && values >= AHEAD_MIN_VALUES;
    }

    /** Whether this run draws ahead. */
    boolean ahead() {
        return ahead;
    }

    /** Slot {@code slot} of step {@code step}: a new float32 array {@code [rows, sampleShape...]}. */
    INDArray noise(int step, int slot) {
        Future<INDArray> ready = pending.remove(key(step, slot));
        for (int next = step + 1; ahead && next <= step + DEPTH && next < stepCount; next++) {
            if (!pending.containsKey(key(next, slot))) {
                int k = next;
                FutureTask<INDArray> task = new FutureTask<>(() -> draw(k, slot));
                pending.put(key(k, slot), task);
                worker().submit(task);
            }
        }
        INDArray values = ready != null ? join(ready) : null;
        return values != null ? values : draw(step, slot);
    }

    /** The draw as a new array, through the calling thread's reused buffer (no garbage per step). */
    private INDArray draw(int step, int slot) {
        int n = rows * perRow;
        float[] v = BUFFER.get();
        if (v == null || v.length < n) {
            v = new float[n];
            BUFFER.set(v);
        }
        steps.stream(step).stream(slot).fillGaussian(v, firstIndex, rows, perRow);
        return NdArrays.floatsPrefix(v, shape);
    }

    /**
     * The drawn values, or null (then drawn in place) when the draw is not done within
     * {@link #JOIN_NANOS} (the background thread is busy with other runs' draws, or was not
     * scheduled), was cancelled or interrupted: a run never waits longer for a draw than about
     * what drawing it takes.
     */
    private static INDArray join(Future<INDArray> f) {
        // a draw not yet done is usually microseconds from it: wait awake rather than be parked and
        // woken again (tens of microseconds on a virtual machine)
        long until = System.nanoTime() + JOIN_NANOS;
        while (!f.isDone() && System.nanoTime() < until) {
            Thread.onSpinWait();
        }
        if (!f.isDone()) {
            f.cancel(false);
            return null;
        }
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            f.cancel(false);
            return null;
        } catch (CancellationException e) {
            return null;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException("drawing the sampler's noise failed", cause);
        }
    }

    private static long key(int step, int slot) {
        return ((long) step << 32) | (slot & 0xffffffffL);
    }

    /** Cancels the draws nobody will ask for (the run ended or failed) and frees those already made. */
    @Override
    public void close() {
        for (Future<INDArray> f : pending.values()) {
            if (!f.cancel(false) && f.isDone()) {
                try {
                    NdArrays.release(f.get());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (ExecutionException | CancellationException e) {
                    // nothing was made
                }
            }
        }
        pending.clear();
    }

    /** The background thread, shared by all runs: drawing ahead needs one step's draws at a time. */
    private static Worker worker() {
        Worker w = worker;
        if (w == null) {
            synchronized (StepNoise.class) {
                w = worker;
                if (w == null) {
                    w = new Worker();
                    worker = w;
                }
            }
        }
        return w;
    }

    /**
     * A daemon thread that runs the submitted draws in order and, once idle, looks for the next one
     * for {@link #SPIN_NANOS} before it sleeps: a run submits a draw every step (tens to hundreds of
     * microseconds apart for the exact score), and waking a sleeping thread costs about as much as
     * the draw. Where steps are long (a network's), it sleeps between them.
     */
    private static final class Worker implements Runnable {
        private final ConcurrentLinkedQueue<Runnable> queue = new ConcurrentLinkedQueue<>();
        private final Thread thread;
        private volatile boolean sleeping;

        Worker() {
            thread = new Thread(this, "scoresde-noise-ahead");
            thread.setDaemon(true);
            thread.start();
        }

        void submit(Runnable task) {
            queue.add(task);
            if (sleeping) {
                LockSupport.unpark(thread);
            }
        }

        @Override
        public void run() {
            while (true) {
                Runnable task = queue.poll();
                if (task != null) {
                    task.run();
                    continue;
                }
                long until = System.nanoTime() + SPIN_NANOS;
                while (queue.isEmpty() && System.nanoTime() < until) {
                    Thread.onSpinWait();
                }
                if (queue.isEmpty()) {
                    sleeping = true;
                    if (queue.isEmpty()) {
                        LockSupport.park(this);
                    }
                    sleeping = false;
                }
            }
        }
    }
}
