import amalgam.fusion.taskpool.ImageTaskPool;
import amalgam.io.Checkpoint;
import amalgam.model.clip.ClipConfig;
import amalgam.model.clip.ClipImageEncoder;
import amalgam.model.clip.ClipModel;
import amalgam.model.clip.ClipWeights;
import amalgam.model.moe.MixtureDescription;
import amalgam.model.moe.MixtureMlps;
import amalgam.model.moe.MoeCheckpoint;
import amalgam.model.moe.SmileLinears;
import amalgam.model.moe.SmileMixture;
import amalgam.model.moe.SmileRouting;
import amalgam.model.moe.SmileTensorNames;
import amalgam.model.moe.WeightEnsemblingMixture;
import amalgam.nn.Graph;
import amalgam.nn.Parameters;
import amalgam.nn.Var;
import amalgam.tensor.Layouts;
import amalgam.tensor.Tensor;
import amalgam.zoo.BuiltInBenchmark;
import amalgam.zoo.ZooRecipe;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.*;

/**
 * RoutingStudy.java MIXTURE_DIR [IMAGES]: how a mixture saved by amalgam on the built-in zoo routes each task's test
 * images, through the mixture's own forward (every layer routed as evaluation routes it), IMAGES per task (default
 * 256), in batches of 128 as evaluation runs them.
 * <ul>
 * <li>SMILE: per MoE linear, the share of tokens whose top-1 expert is their image's task, and the mean softmax
 *     weight of that expert (chance: 1/8 for both with eight experts).</li>
 * <li>WEMoE: per MLP block, a table of the merging weights each task's images get (the router's outputs averaged over
 *     tokens and images, batch by batch, then over the batches; rows: the images' task, columns: the experts).</li>
 * </ul>
 */
public class RoutingStudy {
    /** What the study records while the forward runs; {@code task} is the task whose images are running. */
    interface Meter {
        ClipModel model(Path folder, ClipConfig config, Checkpoint checkpoint, int[] task, Arena arena);

        void print(List<String> experts);
    }

    public static void main(String[] args) throws Exception {
        Path folder = Path.of(args[0]);
        int images = args.length > 1 ? Integer.parseInt(args[1]) : 256;
        ImageTaskPool pool = BuiltInBenchmark.taskPool(ZooRecipe.MINI8, BuiltInBenchmark.zooDirectory());
        MixtureDescription description = MoeCheckpoint.read(folder);
        List<String> experts = description.experts();
        Meter meter = switch (description) {
            case SmileMixture smile -> new SmileMeter(smile);
            case WeightEnsemblingMixture wemoe -> new WemoeMeter(wemoe);
            default -> throw new IllegalArgumentException("no study for mixtures of kind " + description.kind());
        };
        ClipConfig config = ClipConfig.read(folder.resolve("config.json"));
        try (Arena arena = Arena.ofShared(); Checkpoint checkpoint = Checkpoint.open(folder)) {
            Parameters params = ClipWeights.load(checkpoint, new ClipConfig(config.vision(), null, config.projectionDim()), true, arena);
            int[] task = {0};
            ClipModel model = meter.model(folder, config, checkpoint, task, arena);
            try (ClipImageEncoder encoder = new ClipImageEncoder(model, params, 1)) {
                for (task[0] = 0; task[0] < experts.size(); task[0]++) {
                    var data = pool.task(experts.get(task[0])).data();
                    int n = Math.min(images, data.size());
                    for (int start = 0; start < n; start += 128) {
                        int count = Math.min(128, n - start);
                        int[] indices = new int[count];
                        for (int i = 0; i < count; i++) indices[i] = start + i;
                        try (Arena batch = Arena.ofShared()) {
                            encoder.imageEmbeds(pool.pixels(data, indices, config.vision().imageSize(), batch), batch);
                        }
                    }
                }
            }
        }
        meter.print(experts);
    }

    /** SMILE: top-1 hits and own-expert weight per MoE linear and task. */
    static final class SmileMeter implements Meter {
        private final SmileMixture mixture;
        private final Map<String, double[]> hits = new LinkedHashMap<>(); // per task: top-1 hits, own weight sum, tokens

        SmileMeter(SmileMixture mixture) {
            this.mixture = mixture;
        }

        @Override
        public ClipModel model(Path folder, ClipConfig config, Checkpoint checkpoint, int[] task, Arena arena) {
            int t = mixture.experts().size();
            SmileLinears linears = SmileLinears.load(ClipWeights.Source.of(checkpoint), mixture, config, arena);
            Map<String, Var> gates = new HashMap<>();
            Map<String, Integer> gateKs = new HashMap<>();
            for (SmileMixture.Linear linear : mixture.linears()) {
                gates.put(linear.name(), Var.constant(checkpoint.tensor(SmileTensorNames.gate(linear.name()))));
                gateKs.put(linear.name(), linear.gateK());
            }
            ClipModel.Linears metered = (graph, p, name, x) -> {
                Var gate = gates.get(name);
                if (gate != null) {
                    int in = (int) x.shape().dim(x.shape().rank() - 1);
                    int tokens = Math.toIntExact(x.shape().elementCount() / in);
                    float[] probabilities = SmileRouting.probabilities(floats(graph.linear(x, gate, null).value()), tokens, t,
                            gateKs.get(name));
                    double[] row = hits.computeIfAbsent(name, k -> new double[t * 3]);
                    int own = task[0];
                    for (int token = 0; token < tokens; token++) {
                        int best = 0;
                        for (int e = 1; e < t; e++) {
                            if (probabilities[token * t + e] > probabilities[token * t + best]) best = e;
                        }
                        row[own * 3] += best == own ? 1 : 0;
                        row[own * 3 + 1] += probabilities[token * t + own];
                        row[own * 3 + 2] += 1;
                    }
                }
                return linears.apply(graph, p, name, x);
            };
            return new ClipModel(config, metered);
        }

        @Override
        public void print(List<String> experts) {
            int t = experts.size();
            System.out.printf("%-44s", "linear \\ top-1 share to own task's expert");
            for (String e : experts) System.out.printf(" %6.6s", e);
            System.out.println("  mean | own-expert weight");
            for (var entry : hits.entrySet()) {
                double[] row = entry.getValue();
                StringBuilder line = new StringBuilder(String.format("%-44s", entry.getKey().replace("vision_model.encoder.", "")));
                double share = 0, weight = 0;
                for (int task = 0; task < t; task++) {
                    double s = row[task * 3] / row[task * 3 + 2];
                    share += s / t;
                    weight += row[task * 3 + 1] / row[task * 3 + 2] / t;
                    line.append(String.format(" %6.3f", s));
                }
                System.out.println(line.append(String.format("  %.3f | %.3f", share, weight)));
            }
        }
    }

    /** WEMoE: the mean merging weights per block, task and expert. */
    static final class WemoeMeter implements Meter {
        private final WeightEnsemblingMixture mixture;
        private final double[][][] sums;
        private final int[][] batches;

        WemoeMeter(WeightEnsemblingMixture mixture) {
            if (mixture.sparse() != null && mixture.sparse().codeLength() > 0) {
                throw new IllegalArgumentException("routers with a layer code (position_encoding) are not studied here");
            }
            this.mixture = mixture;
            int t = mixture.experts().size();
            this.sums = new double[mixture.layers()][t][t];
            this.batches = new int[mixture.layers()][t];
        }

        @Override
        public ClipModel model(Path folder, ClipConfig config, Checkpoint checkpoint, int[] task, Arena arena) {
            int t = mixture.experts().size();
            ClipModel.Mlps mlps = MixtureMlps.of(folder, ClipWeights.Source.of(checkpoint), config, arena);
            Map<String, Var> routerTensors = new HashMap<>();
            ClipModel.Mlps metered = new ClipModel.Mlps() {
                @Override
                public boolean couplesBatch() {
                    return mlps.couplesBatch();
                }

                @Override
                public Var apply(Graph graph, Parameters p, int layer, Var x) {
                    Var routed = mixture.router().apply(graph,
                            name -> routerTensors.computeIfAbsent(name, n -> Var.constant(checkpoint.tensor(n))),
                            mixture.gatePrefix(layer), x);
                    float[] w = floats(graph.mean(graph.mean(routed, 1), 0).value());
                    for (int e = 0; e < t; e++) sums[layer][task[0]][e] += w[e];
                    batches[layer][task[0]]++;
                    return mlps.apply(graph, p, layer, x);
                }
            };
            return new ClipModel(config, ClipModel.Linears.PLAIN, metered);
        }

        @Override
        public void print(List<String> experts) {
            int t = experts.size();
            for (int layer = 0; layer < sums.length; layer++) {
                System.out.printf("block %d: images' task \\ expert weight%n%-14s", layer, "");
                for (String e : experts) System.out.printf(" %6.6s", e);
                System.out.println();
                for (int task = 0; task < t; task++) {
                    System.out.printf("%-14s", experts.get(task));
                    for (int e = 0; e < t; e++) System.out.printf(" %6.2f", sums[layer][task][e] / batches[layer][task]);
                    System.out.println();
                }
            }
        }
    }

    private static float[] floats(Tensor tensor) {
        float[] values = new float[Math.toIntExact(tensor.elementCount())];
        MemorySegment.copy(tensor.data(), Layouts.F32, 0, values, 0, values.length);
        return values;
    }
}
