package amalgam.data.hub;

import java.util.Map;
import java.util.Optional;

/**
 * The Hugging Face datasets FusionBench's CLIP task pools load for the TALL20 tasks (its
 * {@code config/dataset/image_classification/{test,train}/TASK.yaml} and the dataset ids its template factory
 * accepts), so that a task pool naming a task by its dataset id still gets that task's class names and templates.
 * Most live under {@code tanganke/}; the exceptions come from their original publishers.
 */
public final class FusionBenchDatasets {
    private static final Map<String, String> TASK_BY_DATASET = Map.ofEntries(
            Map.entry("tanganke/sun397", "sun397"),
            Map.entry("tanganke/stanford_cars", "stanford-cars"),
            Map.entry("tanganke/resisc45", "resisc45"),
            Map.entry("tanganke/eurosat", "eurosat"),
            Map.entry("ufldl-stanford/svhn", "svhn"), // config cropped_digits
            Map.entry("tanganke/gtsrb", "gtsrb"),
            Map.entry("ylecun/mnist", "mnist"),
            Map.entry("mnist", "mnist"),
            Map.entry("tanganke/mnist", "mnist"),
            Map.entry("tanganke/dtd", "dtd"),
            Map.entry("dpdl-benchmark/oxford_flowers102", "oxford_flowers102"),
            Map.entry("1aurent/PatchCamelyon", "pcam"),
            Map.entry("timm/oxford-iiit-pet", "oxford-iiit-pet"),
            Map.entry("tanganke/stl10", "stl10"),
            Map.entry("tanganke/cifar100", "cifar100"),
            Map.entry("tanganke/cifar10", "cifar10"),
            Map.entry("ethz/food101", "food101"), // FusionBench tests on its validation split
            Map.entry("zalando-datasets/fashion_mnist", "fashion_mnist"),
            Map.entry("tanganke/emnist_letters", "emnist_letters"),
            Map.entry("tanganke/kmnist", "kmnist"),
            Map.entry("nateraw/rendered-sst2", "rendered-sst2"),
            Map.entry("clip-benchmark/wds_fer2013", "fer2013")); // a WebDataset, read as FusionBench's load_fer2013 does

    private FusionBenchDatasets() {
    }

    /** The TALL20 task whose data FusionBench loads from {@code datasetId}, if any. */
    public static Optional<String> taskOf(String datasetId) {
        return Optional.ofNullable(TASK_BY_DATASET.get(datasetId));
    }
}
