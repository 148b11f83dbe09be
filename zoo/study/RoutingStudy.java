import amalgam.fusion.taskpool.ImageTaskPool;
import amalgam.io.Checkpoint;
import amalgam.model.clip.ClipConfig;
import amalgam.model.clip.ClipImageEncoder;
import amalgam.model.clip.ClipModel;
import amalgam.model.clip.ClipWeights;
import amalgam.model.moe.MoeCheckpoint;
import amalgam.model.moe.SmileLinears;
import amalgam.model.moe.SmileMixture;
import amalgam.model.moe.SmileRouting;
import amalgam.model.moe.SmileTensorNames;
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
 * RoutingStudy.java SMILE_FOLDER [IMAGES]: how often a saved SMILE mixture of the built-in zoo routes a token to the
 * expert of the task its image comes from. Runs the mixture's own forward (routing of every layer as evaluation does)
 * on the first IMAGES test images of each task and prints, per MoE linear, the share of tokens whose top-1 expert is
 * the image's task and the mean softmax weight of that expert (chance: 1/8 for both).
 */
public class RoutingStudy {
    public static void main(String[] args) throws Exception {
        Path folder = Path.of(args[0]);
        int images = args.length > 1 ? Integer.parseInt(args[1]) : 256;
        ImageTaskPool pool = BuiltInBenchmark.taskPool(ZooRecipe.MINI8, BuiltInBenchmark.zooDirectory());
        SmileMixture mixture = (SmileMixture) MoeCheckpoint.read(folder);
        List<String> experts = mixture.experts();
        int t = experts.size();
        ClipConfig config = ClipConfig.read(folder.resolve("config.json"));
        try (Arena arena = Arena.ofShared(); Checkpoint checkpoint = Checkpoint.open(folder)) {
            Parameters params = ClipWeights.load(checkpoint, new ClipConfig(config.vision(), null, config.projectionDim()), true, arena);
            ClipWeights.Source source = ClipWeights.Source.of(checkpoint);
            SmileLinears linears = SmileLinears.load(source, mixture, config, arena);
            Map<String, Var> gates = new LinkedHashMap<>();
            Map<String, Integer> gateKs = new LinkedHashMap<>();
            for (SmileMixture.Linear linear : mixture.linears()) {
                gates.put(linear.name(), Var.constant(checkpoint.tensor(SmileTensorNames.gate(linear.name()))));
                gateKs.put(linear.name(), linear.gateK());
            }
            int[] current = {0};
            Map<String, double[]> hits = new LinkedHashMap<>(); // [task] {top1 hits, own weight sum, tokens}
            ClipModel.Linears metered = (graph, p, name, x) -> {
                Var gate = gates.get(name);
                if (gate != null) {
                    int in = (int) x.shape().dim(x.shape().rank() - 1);
                    int tokens = Math.toIntExact(x.shape().elementCount() / in);
                    float[] out = floats(graph.linear(x, gate, null).value());
                    float[] probabilities = SmileRouting.probabilities(out, tokens, t, gateKs.get(name));
                    double[] row = hits.computeIfAbsent(name, k -> new double[t * 3]);
                    int own = current[0];
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
            ClipModel model = new ClipModel(config, metered);
            try (ClipImageEncoder encoder = new ClipImageEncoder(model, params, 1)) {
                for (int task = 0; task < t; task++) {
                    current[0] = task;
                    var data = pool.task(experts.get(task)).data();
                    int n = Math.min(images, data.size());
                    for (int start = 0; start < n; start += 64) {
                        int count = Math.min(64, n - start);
                        int[] indices = new int[count];
                        for (int i = 0; i < count; i++) indices[i] = start + i;
                        try (Arena batch = Arena.ofShared()) {
                            encoder.imageEmbeds(pool.pixels(data, indices, config.vision().imageSize(), batch), batch);
                        }
                    }
                }
            }
            System.out.print(String.format("%-44s", "linear \\ top-1 share to own task's expert"));
            for (String e : experts) System.out.print(String.format(" %6.6s", e));
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
                line.append(String.format("  %.3f | %.3f", share, weight));
                System.out.println(line);
            }
        }
    }

    private static float[] floats(Tensor tensor) {
        float[] values = new float[Math.toIntExact(tensor.elementCount())];
        MemorySegment.copy(tensor.data(), Layouts.F32, 0, values, 0, values.length);
        return values;
    }
}
