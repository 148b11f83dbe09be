import amalgam.fusion.taskpool.ImageTaskPool;
import amalgam.io.Checkpoint;
import amalgam.model.clip.ClipConfig;
import amalgam.model.clip.ClipImageEncoder;
import amalgam.model.clip.ClipModel;
import amalgam.model.clip.ClipWeights;
import amalgam.model.moe.MixtureMlps;
import amalgam.model.moe.MoeCheckpoint;
import amalgam.model.moe.WeightEnsemblingMixture;
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
 * WemoeRoutingStudy.java WEMOE_FOLDER: the merging weights a saved WEMoE mixture of the built-in zoo gives each task's
 * test images, per MLP block: the router's outputs averaged over tokens and images, batch by batch of 128 as evaluation
 * does, then over the batches. Prints one T×T table per block (rows: the images' task; columns: the experts).
 */
public class WemoeRoutingStudy {
    public static void main(String[] args) throws Exception {
        Path folder = Path.of(args[0]);
        ImageTaskPool pool = BuiltInBenchmark.taskPool(ZooRecipe.MINI8, BuiltInBenchmark.zooDirectory());
        WeightEnsemblingMixture mixture = (WeightEnsemblingMixture) MoeCheckpoint.read(folder);
        List<String> experts = mixture.experts();
        int t = experts.size();
        ClipConfig config = ClipConfig.read(folder.resolve("config.json"));
        try (Arena arena = Arena.ofShared(); Checkpoint checkpoint = Checkpoint.open(folder)) {
            Parameters params = ClipWeights.load(checkpoint, new ClipConfig(config.vision(), null, config.projectionDim()), true, arena);
            ClipWeights.Source source = ClipWeights.Source.of(checkpoint);
            ClipModel.Mlps mlps = MixtureMlps.of(folder, source, config, arena);
            Map<String, Var> routerTensors = new HashMap<>();
            int[] current = {0};
            double[][][] sums = new double[mixture.layers()][t][t];
            int[][] counts = new int[mixture.layers()][t];
            ClipModel.Mlps metered = new ClipModel.Mlps() {
                @Override
                public boolean couplesBatch() {
                    return mlps.couplesBatch();
                }

                @Override
                public Var apply(amalgam.nn.Graph graph, Parameters p, int layer, Var x) {
                    Var routed = mixture.router().apply(graph,
                            name -> routerTensors.computeIfAbsent(name, n -> Var.constant(checkpoint.tensor(n))),
                            mixture.gatePrefix(layer), x);
                    float[] w = floats(graph.mean(graph.mean(routed, 1), 0).value());
                    for (int e = 0; e < t; e++) sums[layer][current[0]][e] += w[e];
                    counts[layer][current[0]]++;
                    return mlps.apply(graph, p, layer, x);
                }
            };
            ClipModel model = new ClipModel(config, ClipModel.Linears.PLAIN, metered);
            try (ClipImageEncoder encoder = new ClipImageEncoder(model, params, 1)) {
                for (int task = 0; task < t; task++) {
                    current[0] = task;
                    var data = pool.task(experts.get(task)).data();
                    for (int start = 0; start < data.size(); start += 128) {
                        int count = Math.min(128, data.size() - start);
                        int[] indices = new int[count];
                        for (int i = 0; i < count; i++) indices[i] = start + i;
                        try (Arena batch = Arena.ofShared()) {
                            encoder.imageEmbeds(pool.pixels(data, indices, config.vision().imageSize(), batch), batch);
                        }
                    }
                }
            }
            for (int layer = 0; layer < mixture.layers(); layer++) {
                System.out.printf("block %d: images' task \\ expert weight%n%-14s", layer, "");
                for (String e : experts) System.out.printf(" %6.6s", e);
                System.out.println();
                for (int task = 0; task < t; task++) {
                    System.out.printf("%-14s", experts.get(task));
                    for (int e = 0; e < t; e++) System.out.printf(" %6.2f", sums[layer][task][e] / counts[layer][task]);
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
