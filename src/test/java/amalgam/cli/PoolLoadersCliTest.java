package amalgam.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import amalgam.io.Checkpoint;
import amalgam.io.SafetensorsWriter;
import amalgam.io.TensorInfo;
import amalgam.model.clip.ClipCheckpoints;
import amalgam.tensor.Tensor;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pool entries read as FusionBench's loaders read them: {@code transformers.GPT2Model.from_pretrained} gives the
 * backbone of a bare GPT-2 checkpoint and of a GPT2ForSequenceClassification one alike (head dropped, prefix stripped),
 * {@code load_lora_model} folds a PEFT adapter into its base, and loaders amalgam does not know are bad input.
 */
class PoolLoadersCliTest {
    @TempDir
    Path temp;

    @Test
    void gpt2PoolsMergeTheBackbonesWhateverTheHead() throws Exception {
        // the hub's gpt2 stores the bare backbone (with attention-mask buffers); task models carry a score head
        write("gpt2", Map.of("wte.weight", new float[] {1, 2, 3, 4}, "h.0.mlp.c_fc.weight", new float[] {1, 1},
                "h.0.attn.bias", new float[] {1, 0}, "ln_f.weight", new float[] {1, 1}), "{\"model_type\": \"gpt2\", \"architectures\": [\"GPT2LMHeadModel\"]}");
        write("cola", Map.of("transformer.wte.weight", new float[] {2, 2, 3, 4}, "transformer.h.0.mlp.c_fc.weight", new float[] {3, 1},
                "transformer.ln_f.weight", new float[] {1, 1}, "score.weight", new float[] {9, 9, 9, 9}), "{\"model_type\": \"gpt2\"}");
        write("rte", Map.of("transformer.wte.weight", new float[] {1, 2, 5, 4}, "transformer.h.0.mlp.c_fc.weight", new float[] {1, 3},
                "transformer.ln_f.weight", new float[] {1, 3}, "score.weight", new float[] {7, 7}), "{\"model_type\": \"gpt2\"}");
        Path pool = TestCheckpoints.gpt2BackbonePool(temp.resolve("gpt2.yaml"), temp.resolve("gpt2"), java.util.Map.entry("cola", temp.resolve("cola")),
                java.util.Map.entry("rte", temp.resolve("rte")));
        CliRunner result = CliRunner.run("run", "method=task_arithmetic", "method.scaling_factor=0.5", "modelpool=" + pool,
                "taskpool=dummy", "merged_model_save_path=" + temp.resolve("out"));
        assertEquals(0, result.exitCode(), result.err());
        Map<String, float[]> merged = read(temp.resolve("out"));
        assertEquals(List.of("h.0.mlp.c_fc.weight", "ln_f.weight", "wte.weight"), List.copyOf(merged.keySet()));
        // θ0 + 0.5 (τ_cola + τ_rte)
        assertArrayEquals(new float[] {1.5f, 2, 4, 4}, merged.get("wte.weight"));
        assertArrayEquals(new float[] {2, 2}, merged.get("h.0.mlp.c_fc.weight"));
        assertArrayEquals(new float[] {1, 2}, merged.get("ln_f.weight"));
        assertEquals("GPT2Model", new ObjectMapper().readTree(temp.resolve("out/config.json").toFile()).get("architectures").get(0).asText());
    }

    @Test
    void convNextPoolsMergeTheBackboneAndKeepEachTasksHead() throws Exception {
        // each task's classifier has its own number of classes; FusionBench merges the convnext module only
        Path pool = backbonePool("convnext", "ConvNextForImageClassificationPool", "classifier.weight", "");
        CliRunner result = CliRunner.run("run", "method=task_arithmetic", "method.scaling_factor=0.5", "modelpool=" + pool,
                "taskpool=dummy", "merged_model_save_path=" + temp.resolve("out"));
        assertEquals(0, result.exitCode(), result.err());
        Map<String, float[]> merged = read(temp.resolve("out"));
        assertArrayEquals(new float[] {3, 2, 3, 2}, merged.get("convnext.stage.weight")); // θ0 + 0.5 (τ_svhn + τ_dtd)
        assertArrayEquals(new float[] {1, 1, 1, 1, 1, 1}, merged.get("classifier.weight"));
        assertHeads("classifier.weight");
    }

    @Test
    void resNetPoolsOfTransformersCheckpointsMergeTheBackboneAndKeepEachTasksHead() throws Exception {
        Path pool = backbonePool("resnet", "ResNetForImageClassificationPool", "classifier.1.weight", "type: transformers\n");
        CliRunner result = CliRunner.run("run", "method=simple_average", "modelpool=" + pool, "taskpool=dummy",
                "merged_model_save_path=" + temp.resolve("out"));
        assertEquals(0, result.exitCode(), result.err());
        Map<String, float[]> merged = read(temp.resolve("out"));
        assertArrayEquals(new float[] {3, 2, 3, 2}, merged.get("resnet.stage.weight")); // (θ_svhn + θ_dtd) / 2
        assertArrayEquals(new float[] {1, 1, 1, 1, 1, 1}, merged.get("classifier.1.weight"));
        assertHeads("classifier.1.weight");
    }

    @Test
    void resNetEntriesSizedForADatasetKeepAHeadOfThatSizeAndRefuseAnyOther() throws Exception {
        backbonePool("resnet", "ResNetForImageClassificationPool", "classifier.1.weight", "");
        String pool = """
                _target_: fusion_bench.modelpool.ResNetForImageClassificationPool
                type: transformers
                models:
                  _pretrained_: %s
                  svhn: {config_path: %s, pretrained: true, dataset_name: svhn}
                  dtd: {config_path: %s, dataset_name: %s}
                """;
        Path good = Files.writeString(temp.resolve("good.yaml"), pool.formatted(temp.resolve("resnet"), temp.resolve("svhn"), temp.resolve("dtd"), "dtd"));
        CliRunner accepted = CliRunner.run("run", "method=simple_average", "modelpool=" + good, "taskpool=dummy");
        assertEquals(0, accepted.exitCode(), accepted.err());
        // dtd's head has 47 outputs: sized for dtd, not for mnist (FusionBench would give it a random 10-class head)
        Path wrong = Files.writeString(temp.resolve("wrong.yaml"), pool.formatted(temp.resolve("resnet"), temp.resolve("svhn"), temp.resolve("dtd"), "mnist"));
        CliRunner refused = CliRunner.run("run", "method=simple_average", "modelpool=" + wrong, "taskpool=dummy");
        assertEquals(2, refused.exitCode(), refused.err());
        assertTrue(refused.err().contains("has 47 outputs, but dataset_name mnist has 10 classes"), refused.err());
        Path random = Files.writeString(temp.resolve("random.yaml"), pool.formatted(temp.resolve("resnet"), temp.resolve("svhn"), temp.resolve("dtd"), "dtd")
                .replace("pretrained: true", "pretrained: false"));
        CliRunner untrained = CliRunner.run("run", "method=simple_average", "modelpool=" + random, "taskpool=dummy");
        assertEquals(2, untrained.exitCode(), untrained.err());
        assertTrue(untrained.err().contains("pretrained: false builds a randomly initialised model"), untrained.err());
    }

    @Test
    void backbonePoolsWithATaskPoolAreRefusedBeforeAnythingIsRead() throws Exception {
        Path pool = backbonePool("convnext", "ConvNextForImageClassificationPool", "classifier.weight", "");
        CliRunner result = CliRunner.run("run", "method=simple_average", "modelpool=" + pool, "taskpool=mini8",
                "merged_model_save_path=" + temp.resolve("out"));
        assertEquals(2, result.exitCode(), result.err());
        assertTrue(result.err().contains("run it with taskpool=dummy"), result.err());
        assertTrue(Files.notExists(temp.resolve("out")));
    }

    @Test
    void torchvisionResNetPoolsAreRefused() throws Exception {
        Path pool = Files.writeString(temp.resolve("tv.yaml"), """
                _target_: fusion_bench.modelpool.ResNetForImageClassificationPool
                type: torchvision
                models:
                  _pretrained_: resnet18
                """);
        CliRunner result = CliRunner.run("run", "method=simple_average", "modelpool=" + pool, "taskpool=dummy");
        assertEquals(2, result.exitCode(), result.err());
        assertTrue(result.err().contains("ResNet pools need type: transformers"), result.err());
    }

    /** A pretrained model with a 3-class head and svhn (10 classes) and dtd (47) fine-tunes; the pool file. */
    private Path backbonePool(String backbone, String poolClass, String head, String extra) throws Exception {
        Map<String, Tensor> base = new LinkedHashMap<>();
        base.put(backbone + ".stage.weight", Tensor.ofFloats(new float[] {1, 2, 3, 4}, 4));
        base.put(head, Tensor.ofFloats(new float[] {1, 1, 1, 1, 1, 1}, 3, 2));
        ClipCheckpoints.save(temp.resolve(backbone), base, "{\"model_type\": \"" + backbone + "\"}", SafetensorsWriter.PT_FORMAT);
        for (String task : List.of("svhn", "dtd")) {
            Map<String, Tensor> tuned = new LinkedHashMap<>();
            float shift = task.equals("svhn") ? 1 : 3;
            int classes = task.equals("svhn") ? 10 : 47;
            float[] weights = new float[classes * 2];
            java.util.Arrays.fill(weights, shift);
            tuned.put(backbone + ".stage.weight", Tensor.ofFloats(new float[] {1 + shift, 2, 3, 4 - shift}, 4));
            tuned.put(head, Tensor.ofFloats(weights, classes, 2));
            ClipCheckpoints.save(temp.resolve(task), tuned, "{\"model_type\": \"" + backbone + "\"}", SafetensorsWriter.PT_FORMAT);
        }
        return Files.writeString(temp.resolve(backbone + ".yaml"), "_target_: fusion_bench.modelpool." + poolClass + "\n" + extra
                + "models:\n  _pretrained_: " + temp.resolve(backbone) + "\n  svhn: " + temp.resolve("svhn") + "\n  dtd: "
                + temp.resolve("dtd") + "\n");
    }

    /** Each task's own head, saved beside the merged model as heads/TASK.safetensors. */
    private void assertHeads(String head) {
        Map<String, float[]> svhn = read(temp.resolve("out/heads/svhn.safetensors"));
        Map<String, float[]> dtd = read(temp.resolve("out/heads/dtd.safetensors"));
        assertEquals(List.of(head), List.copyOf(svhn.keySet()));
        assertEquals(20, svhn.get(head).length);
        assertEquals(1f, svhn.get(head)[0]);
        assertEquals(94, dtd.get(head).length);
        assertEquals(3f, dtd.get(head)[93]);
    }

    @Test
    void loraEntriesAreFoldedIntoTheirBase() throws Exception {
        Map<String, Tensor> base = new LinkedHashMap<>();
        base.put("q.weight", Tensor.ofFloats(new float[] {1, 2, 3, 4}, 2, 2));
        base.put("norm.weight", Tensor.ofFloats(new float[] {1, 1}, 2));
        ClipCheckpoints.save(temp.resolve("t5"), base, "{\"model_type\": \"t5\"}", SafetensorsWriter.PT_FORMAT);
        Map<String, Tensor> factors = new LinkedHashMap<>();
        factors.put("base_model.model.q.lora_A.weight", Tensor.ofFloats(new float[] {1, 0}, 1, 2));
        factors.put("base_model.model.q.lora_B.weight", Tensor.ofFloats(new float[] {0.5f, 0.25f}, 2, 1));
        Path adapter = temp.resolve("cola-lora");
        ClipCheckpoints.save(adapter, factors, "{}", SafetensorsWriter.PT_FORMAT);
        Files.move(adapter.resolve("model.safetensors"), adapter.resolve("adapter_model.safetensors"));
        Files.delete(adapter.resolve("config.json"));
        Files.writeString(adapter.resolve("adapter_config.json"), "{\"r\": 1, \"lora_alpha\": 2}");
        Path pool = Files.writeString(temp.resolve("lora.yaml"), """
                _target_: fusion_bench.modelpool.Seq2SeqLMPool
                base_model: %s
                models:
                  _pretrained_:
                    _target_: transformers.AutoModelForSeq2SeqLM.from_pretrained
                    pretrained_model_name_or_path: ${...base_model}
                  glue-cola:
                    _target_: fusion_bench.modelpool.seq2seq_lm.modelpool.load_lora_model
                    base_model_path: ${...base_model}
                    peft_model_path: %s
                """.formatted(temp.resolve("t5"), adapter));
        CliRunner result = CliRunner.run("run", "method=task_arithmetic", "method.scaling_factor=1.0", "modelpool=" + pool,
                "taskpool=dummy", "merged_model_save_path=" + temp.resolve("out"));
        assertEquals(0, result.exitCode(), result.err());
        // W + (alpha / r) · B·A = [[1, 2], [3, 4]] + 2 · [[0.5, 0], [0.25, 0]]
        assertArrayEquals(new float[] {2, 2, 3.5f, 4}, read(temp.resolve("out")).get("q.weight"));
    }

    @Test
    void unknownLoadersAndDtypesThatDifferFromTheStoredOnesAreBadInput() throws Exception {
        write("m", Map.of("w", new float[] {1, 2}), "{\"model_type\": \"x\"}");
        List<String[]> cases = List.of(
                new String[] {"models:\n  a: {_target_: mylib.load_model, pretrained_model_name_or_path: " + temp.resolve("m") + "}\n", "mylib.load_model"},
                new String[] {"_target_: fusion_bench.modelpool.NYUv2ModelPool\nmodels:\n  a: " + temp.resolve("m") + "\n",
                        "NYUv2ModelPool"},
                new String[] {"models:\n  a: {pretrained_model_name_or_path: " + temp.resolve("m") + ", torch_dtype: bfloat16}\n", "torch_dtype"},
                new String[] {"models:\n  a: {pretrained_model_name_or_path: " + temp.resolve("m") + ", revision: main}\n", "revision"});
        for (String[] poolAndWord : cases) {
            Path pool = Files.writeString(temp.resolve("bad.yaml"), poolAndWord[0]);
            CliRunner result = CliRunner.run("run", "method=simple_average", "modelpool=" + pool, "taskpool=dummy");
            assertEquals(2, result.exitCode(), poolAndWord[0] + result.err());
            assertTrue(result.err().contains(poolAndWord[1]), result.err());
        }
        Path matching = Files.writeString(temp.resolve("ok.yaml"), "models:\n  a: {pretrained_model_name_or_path: " + temp.resolve("m")
                + ", torch_dtype: float32}\n  b: " + temp.resolve("m") + "\n");
        assertEquals(0, CliRunner.run("run", "method=simple_average", "modelpool=" + matching, "taskpool=dummy").exitCode());
    }

    private void write(String name, Map<String, float[]> tensors, String config) {
        Map<String, Tensor> entries = new LinkedHashMap<>();
        tensors.forEach((key, values) -> entries.put(key, Tensor.ofFloats(values, values.length)));
        ClipCheckpoints.save(temp.resolve(name), entries, config, SafetensorsWriter.PT_FORMAT);
    }

    private static Map<String, float[]> read(Path directory) {
        Map<String, float[]> tensors = new java.util.TreeMap<>();
        try (Checkpoint checkpoint = Checkpoint.open(directory)) {
            for (TensorInfo info : checkpoint.tensors()) {
                tensors.put(info.name(), checkpoint.tensor(info.name()).toFloatArray());
            }
        }
        return tensors;
    }
}
