package amalgam.fusion.closedform;

import amalgam.UserInputException;
import amalgam.linalg.LinearAlgebra;
import amalgam.linalg.LinearAlgebraException;
import amalgam.linalg.Matrix;
import amalgam.linalg.MatrixD;
import amalgam.tensor.DType;
import amalgam.tensor.Layouts;
import amalgam.tensor.Shape;
import amalgam.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The RegMean merge of Linear weights (Jin et al., "Dataless Knowledge Fusion by Merging Weights of Language Models",
 * ICLR 2023), as FusionBench's {@code regmean} computes it. With Gᵢ the Gram of model i's inputs to the Linear and
 * α = {@code reduce_non_diagonal_ratio},
 * <pre>
 *   G̃ᵢ = Gᵢ ⊙ (α·11ᵀ + (1 − α)·I)          (off-diagonal entries × α, diagonal unchanged)
 *   Wᵀ = (Σᵢ G̃ᵢ)⁻¹ Σᵢ G̃ᵢ Wᵢᵀ                (W is [out, in])
 * </pre>
 * With α = 1 this is the least-squares weight min_W Σᵢ ‖Xᵢ Wᵀ − Xᵢ Wᵢᵀ‖² over the models' stacked inputs.
 *
 * <p>Models are added one at a time ({@link #add}), so only the sums Σ G̃ᵢ [in, in] (kept once per input shared by
 * several Linears) and Σ G̃ᵢ Wᵢᵀ [in, out] are held, in float32 like FusionBench; the solve runs in float64 through
 * the linear algebra facade (FusionBench inverts explicitly; a solve is the same map with less round-off).
 */
public final class RegMeanRule {
    private final double alpha;
    private final Arena arena;
    private final Map<String, Matrix> gramSums = new LinkedHashMap<>();  // by input site: Σ G̃ᵢ [in, in]
    private final Map<String, String> siteOf = new LinkedHashMap<>();    // Linear -> input site
    private final Map<String, Matrix> products = new LinkedHashMap<>();  // by Linear: Σ G̃ᵢ Wᵢᵀ [in, out]

    /** @param alpha reduce_non_diagonal_ratio, in [0, 1]; @param arena where the sums live */
    public RegMeanRule(double alpha, Arena arena) {
        if (!(alpha >= 0 && alpha <= 1)) {
            throw new IllegalArgumentException("reduce_non_diagonal_ratio must be in [0, 1], got " + alpha);
        }
        this.alpha = alpha;
        this.arena = arena;
    }

    /**
     * Adds one model's Linear: its weight Wᵢ [out, in] under the key {@code weightName}, and its inputs' Gram from
     * {@code grams} (the Linear named {@code linear}).
     */
    public void add(String weightName, String linear, Tensor weight, LinearGrams grams) {
        String site = grams.siteOf(linear);
        String known = siteOf.putIfAbsent(weightName, site);
        if (known != null && !known.equals(site)) {
            throw new IllegalStateException("'" + weightName + "' shares its input with '" + site + "' in one model, '" + known
                    + "' in another");
        }
        try (Arena scratch = Arena.ofConfined()) {
            Matrix reduced = grams.gram(linear, scratch);
            scaleOffDiagonalInPlace(reduced, alpha);
            add(weightName, site, reduced, weight);
        }
    }

    private void add(String weightName, String site, Matrix reducedGram, Tensor weight) {
        long in = reducedGram.rows();
        if (weight.shape().rank() != 2 || weight.shape().dim(1) != in) {
            throw new UserInputException("tensor '" + weightName + "' has shape " + weight.shape() + ", its Linear's inputs have width " + in);
        }
        long out = weight.shape().dim(0);
        Matrix sum = gramSums.computeIfAbsent(site, name -> Matrix.allocate(arena, in, in));
        Matrix product = products.computeIfAbsent(weightName, name -> Matrix.allocate(arena, in, out));
        LinearAlgebra.gemm(false, true, 1f, reducedGram, Matrix.of(weight), 1f, product);
        if (isFirstOfSite(weightName, site)) {
            addInPlace(sum, reducedGram);
        }
    }

    /** The Gram sum of a site is added once per model: by the site's own Linear (the first that reads the input). */
    private boolean isFirstOfSite(String weightName, String site) {
        return siteOf.entrySet().stream().filter(e -> e.getValue().equals(site)).findFirst().orElseThrow().getKey().equals(weightName);
    }

    /** Weights added so far, in order. */
    public List<String> weightNames() {
        return List.copyOf(products.keySet());
    }

    /** The merged weight W [out, in] of {@code weightName}, a new tensor in {@code target}. */
    public Tensor merged(String weightName, Arena target) {
        Matrix product = products.get(weightName);
        if (product == null) {
            throw new IllegalArgumentException("no Linear weight '" + weightName + "' was added");
        }
        Matrix sum = gramSums.get(siteOf.get(weightName));
        long in = product.rows();
        long out = product.cols();
        Tensor result = Tensor.allocate(target, DType.F32, Shape.of(out, in));
        try (Arena scratch = Arena.ofConfined()) {
            MatrixD solution;
            try {
                solution = LinearAlgebra.solve(scratch, MatrixD.copyOf(scratch, sum), MatrixD.copyOf(scratch, product));
            } catch (LinearAlgebraException e) {
                throw new UserInputException("RegMean: the summed input Gram matrix of '" + weightName + "' (" + in + "x" + in
                        + ") is singular (" + e.getMessage() + "); lower reduce_non_diagonal_ratio below 1 or read more examples");
            }
            for (long i = 0; i < in; i++) {
                for (long o = 0; o < out; o++) {
                    result.data().setAtIndex(Layouts.F32, o * in + i, (float) solution.get(i, o));
                }
            }
        }
        return result;
    }

    /**
     * The whole rule on given Grams and weights (one Linear, every model at once): Wᵀ = (Σ G̃ᵢ)⁻¹ Σ G̃ᵢ Wᵢᵀ.
     *
     * @param grams   Gᵢ [in, in] per model
     * @param weights Wᵢ [out, in] per model
     */
    public static Tensor merge(List<Matrix> grams, List<Tensor> weights, double alpha, Arena target) {
        if (grams.size() != weights.size() || grams.isEmpty()) {
            throw new IllegalArgumentException(grams.size() + " Grams for " + weights.size() + " weights");
        }
        try (Arena arena = Arena.ofConfined()) {
            RegMeanRule rule = new RegMeanRule(alpha, arena);
            for (int i = 0; i < grams.size(); i++) {
                Matrix reduced = Matrix.allocate(arena, grams.get(i).rows(), grams.get(i).cols());
                reduced.data().copyFrom(grams.get(i).data());
                scaleOffDiagonalInPlace(reduced, alpha);
                rule.siteOf.putIfAbsent("w", "w");
                rule.add("w", "w", reduced, weights.get(i));
            }
            return rule.merged("w", target);
        }
    }

    /** G ← G ⊙ (α·11ᵀ + (1 − α)·I): every off-diagonal entry times α. */
    public static void scaleOffDiagonalInPlace(Matrix gram, double alpha) {
        float factor = (float) alpha;
        for (long r = 0; r < gram.rows(); r++) {
            for (long c = 0; c < gram.cols(); c++) {
                if (r != c) {
                    gram.set(r, c, gram.get(r, c) * factor);
                }
            }
        }
    }

    private static void addInPlace(Matrix sum, Matrix term) {
        long count = sum.rows() * sum.cols();
        for (long i = 0; i < count; i++) {
            sum.data().setAtIndex(Layouts.F32, i, sum.data().getAtIndex(Layouts.F32, i) + term.data().getAtIndex(Layouts.F32, i));
        }
    }
}
