package amalgam.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The rest of mergekit-yaml's options, so its command lines run unchanged: those that change the result are
 * honoured; those about devices, caches and pickles change nothing here (amalgam computes on the CPU, reads every
 * checkpoint lazily and applies LoRA adapters while streaming), are left out of the help, and the device ones say
 * so with a warning.
 */
final class MergekitOptions {
    @Option(names = "--allow-crimes", negatable = true, description = "Merge models whose architectures differ, as the first model's.")
    boolean allowCrimes;

    @Option(names = "--write-model-card", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Write README.md (model card with provenance) and mergekit_config.yml (default on).")
    boolean writeModelCard;

    @Option(names = "--safe-serialization", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Write safetensors (the only output format; --no-safe-serialization is refused).")
    boolean safeSerialization;

    @Option(names = "--lora-merge-dtype", paramLabel = "DTYPE",
            description = "Dtype a LoRA-adapted model is stored in before merging (default: each tensor's own).")
    String loraMergeDType;

    @Option(names = "--quiet", negatable = true, description = "No progress bars.")
    boolean quiet;

    @Option(names = "--lora-merge-cache", hidden = true, paramLabel = "DIR", description = "Accepted; not needed (adapters are applied while streaming).")
    Path loraMergeCache;

    @Option(names = "--transformers-cache", hidden = true, paramLabel = "DIR", description = "Accepted; models are local paths or HF cache repos.")
    Path transformersCache;

    @Option(names = "--lazy-unpickle", hidden = true, negatable = true, description = "Accepted; .bin checkpoints are always read lazily.")
    boolean lazyUnpickle;

    @Option(names = "--clone-tensors", hidden = true, negatable = true, description = "Accepted; no effect.")
    boolean cloneTensors;

    @Option(names = "--trust-remote-code", hidden = true, negatable = true, description = "Accepted; amalgam never runs model code.")
    boolean trustRemoteCode;

    @Option(names = "--low-cpu-memory", hidden = true, negatable = true, description = "Accepted; memory is bounded by --memory.")
    boolean lowCpuMemory;

    @Option(names = "--async-write", hidden = true, negatable = true, description = "Accepted; writing already overlaps computing.")
    boolean asyncWrite;

    @Option(names = "--write-threads", hidden = true, paramLabel = "N", description = "Accepted; no effect.")
    Integer writeThreads;

    @Option(names = {"-v", "--verbose"}, hidden = true, description = "Accepted; no effect.")
    boolean[] verbose = new boolean[0];

    @Option(names = "--cuda", hidden = true, negatable = true, description = "Accepted with a warning: amalgam computes on the CPU.")
    boolean cuda;

    @Option(names = "--device", hidden = true, paramLabel = "DEVICE", description = "Accepted with a warning unless cpu.")
    String device;

    @Option(names = "--read-to-gpu", hidden = true, negatable = true, description = "Accepted with a warning: amalgam computes on the CPU.")
    boolean readToGpu;

    @Option(names = "--multi-gpu", hidden = true, negatable = true, description = "Accepted with a warning: amalgam computes on the CPU.")
    boolean multiGpu;

    @Option(names = "--gpu-rich", hidden = true, negatable = true, description = "Accepted with a warning: amalgam computes on the CPU.")
    boolean gpuRich;

    /** Warnings for the options that asked for a GPU. */
    List<String> deviceWarnings() {
        List<String> asked = new ArrayList<>();
        if (cuda) {
            asked.add("--cuda");
        }
        if (device != null && !device.equals("cpu")) {
            asked.add("--device " + device);
        }
        if (readToGpu) {
            asked.add("--read-to-gpu");
        }
        if (multiGpu) {
            asked.add("--multi-gpu");
        }
        if (gpuRich) {
            asked.add("--gpu-rich");
        }
        return asked.isEmpty() ? List.of() : List.of(String.join(", ", asked) + " ignored: amalgam computes on the CPU");
    }
}
