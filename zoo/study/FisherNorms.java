import amalgam.fusion.closedform.FisherInformation;
import amalgam.fusion.closedform.FisherRule;
import amalgam.fusion.closedform.TaskTrainData;
import amalgam.fusion.closedform.TrainSamples;
import amalgam.fusion.closedform.ZeroShotClassifier;
import amalgam.fusion.taskpool.ImageTaskPool;
import amalgam.io.Checkpoint;
import amalgam.model.clip.ClipConfig;
import amalgam.model.clip.ClipModel;
import amalgam.model.clip.ClipWeights;
import amalgam.nn.Graph;
import amalgam.parallel.Parallel;
import amalgam.tensor.Layouts;
import amalgam.tensor.Tensor;
import amalgam.zoo.BuiltInBenchmark;
import amalgam.zoo.ZooRecipe;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.*;

/**
 * FisherNorms.java [EXAMPLES]: each shipped task model's Fisher (FusionBench's, as Fisher merging computes it, from
 * the first EXAMPLES train images of its task, default 256) summarised: its norm ‖F‖ over the vision tower, its number
 * of entries N, the mean entry, and the floor term of the normalised rule, ε/(‖F‖ + ε) with ε = 1e-6, against the
 * mean normalised entry F/(‖F‖ + ε).
 */
public class FisherNorms {
    public static void main(String[] args) throws Exception {
        int examples = args.length > 0 ? Integer.parseInt(args[0]) : 256;
        double epsilon = 1e-6;
        Path zoo = BuiltInBenchmark.zooDirectory();
        ImageTaskPool pool = BuiltInBenchmark.taskPool(ZooRecipe.MINI8, zoo);
        System.out.printf("%-14s %12s %9s %12s %14s %14s%n", "model", "norm", "entries", "mean F", "mean c·F", "c·ε (floor)");
        for (String task : pool.taskNames()) {
            Path folder = zoo.resolve(task);
            ClipConfig config = ClipConfig.read(folder.resolve("config.json"));
            ClipConfig vision = new ClipConfig(config.vision(), null, config.projectionDim());
            try (Arena arena = Arena.ofShared(); Checkpoint checkpoint = Checkpoint.open(folder);
                 Parallel parallel = new Parallel(1); Graph graph = Graph.training(parallel)) {
                Map<String, Tensor> weights = ClipWeights.tensors(ClipWeights.Source.of(checkpoint), vision, true, arena);
                var images = pool.task(task).split(ImageTaskPool.Split.TRAIN);
                TaskTrainData train = new TaskTrainData(task, pool, images, config.vision().imageSize());
                ZeroShotClassifier classifier = new ZeroShotClassifier(new ClipModel(vision), train.head(arena));
                Set<String> tower = weights.keySet();
                try (FisherInformation fisher = new FisherInformation(weights, tower::contains)) {
                    for (int[] batch : TrainSamples.inOrder(images.size(), examples, 32)) {
                        try (Arena batchArena = Arena.ofShared()) {
                            fisher.addBatch(graph, classifier, train.pixels(batch, batchArena), 8);
                        }
                    }
                    Map<String, Tensor> f = fisher.fisher(arena);
                    double norm = FisherRule.norm(f);
                    long entries = 0;
                    double sum = 0;
                    for (Tensor t : f.values()) {
                        for (long i = 0; i < t.elementCount(); i++) {
                            sum += t.data().getAtIndex(Layouts.F32, i);
                        }
                        entries += t.elementCount();
                    }
                    double c = 1 / (norm + epsilon);
                    System.out.printf("%-14s %12.4g %9d %12.4g %14.4g %14.4g%n", task, norm, entries, sum / entries, c * sum / entries,
                            c * epsilon);
                }
            }
        }
    }
}
