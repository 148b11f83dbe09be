package amalgam.fusion.closedform;

import amalgam.linalg.LinearAlgebra;
import amalgam.linalg.Matrix;
import amalgam.nn.LinearInputs;
import amalgam.nn.Var;
import java.lang.foreign.Arena;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * RegMean's input statistics of one model: for every observed {@code nn.Linear}, the token-averaged Gram matrix of
 * its inputs, G = XᵀX / N over all N input rows seen (every token of every image: batch · sequence rows), which is
 * FusionBench's running mean of per-batch XᵀX. Linears fed the same input value (q, k and v) share one Gram, computed
 * once per batch. Each batch adds Xᵀ X through the linear algebra facade into a float32 sum in {@code arena}.
 */
public final class LinearGrams implements LinearInputs {
    /** One input site: the running sum of XᵀX [in, in] and its row count. */
    private static final class Site {
        final String name;
        final Matrix sum;
        long rows;

        Site(String name, Matrix sum) {
            this.name = name;
            this.sum = sum;
        }
    }

    private final Arena arena;
    private final Map<String, Site> byLinear = new LinkedHashMap<>();
    private Var lastInput;
    private Site lastSite;

    /** @param arena where the Gram sums live (they outlive every graph the inputs come from) */
    public LinearGrams(Arena arena) {
        this.arena = arena;
    }

    @Override
    public void observe(String linear, Var input) {
        Site site = byLinear.get(linear);
        if (input == lastInput && lastSite != null && (site == null || site == lastSite)) {
            byLinear.putIfAbsent(linear, lastSite); // same input as the Linear just before it: the same statistics
            return;
        }
        long width = input.shape().dim(-1);
        long rows = input.value().elementCount() / width;
        if (site == null) {
            site = new Site(linear, Matrix.allocate(arena, width, width));
            byLinear.put(linear, site);
        } else if (site.sum.rows() != width) {
            throw new IllegalArgumentException("Linear '" + linear + "' got inputs of width " + width + " after " + site.sum.rows());
        }
        Matrix x = new Matrix(rows, width, input.value().data());
        LinearAlgebra.gemm(true, false, 1f, x, x, 1f, site.sum);
        site.rows += rows;
        lastInput = input;
        lastSite = site;
    }

    /** Adds the rows of {@code x} [rows, in] to the statistics of {@code linear} (tests and callers without a graph). */
    public void add(String linear, Matrix x) {
        observe(linear, Var.constant(x.asTensor()));
        lastInput = null;
    }

    /** Every observed Linear, in the order first seen. */
    public List<String> linears() {
        return List.copyOf(byLinear.keySet());
    }

    /** The name of the Linear whose input {@code linear} shares (itself when it has its own). */
    public String siteOf(String linear) {
        return site(linear).name;
    }

    /** G = XᵀX / N of {@code linear}'s inputs [in, in], a new matrix in {@code target}. */
    public Matrix gram(String linear, Arena target) {
        Site site = site(linear);
        Matrix gram = Matrix.allocate(target, site.sum.rows(), site.sum.cols());
        float scale = (float) (1.0 / site.rows);
        long count = gram.rows() * gram.cols();
        for (long i = 0; i < count; i++) {
            gram.data().setAtIndex(amalgam.tensor.Layouts.F32, i, site.sum.data().getAtIndex(amalgam.tensor.Layouts.F32, i) * scale);
        }
        return gram;
    }

    /** Input rows seen by {@code linear}. */
    public long rows(String linear) {
        return site(linear).rows;
    }

    private Site site(String linear) {
        Site site = byLinear.get(linear);
        if (site == null || site.rows == 0) {
            throw new IllegalStateException("no inputs were observed for Linear '" + linear + "'");
        }
        return site;
    }
}
