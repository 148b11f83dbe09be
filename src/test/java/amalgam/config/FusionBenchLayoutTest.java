package amalgam.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A small tree laid out like FusionBench's (root config, hydra/path/modelpool/method/taskpool groups), composed exactly. */
class FusionBenchLayoutTest {
    @TempDir
    Path root;

    private void writeTree() {
        ConfigTrees.write(root,
                "fusion.yaml", """
                        defaults:
                          - hydra: default
                          - path: default
                          - modelpool: Pool/pool_ab
                          - method: dummy
                          - taskpool: dummy
                          - _self_
                        _target_: Program
                        fast_dev_run: false
                        merged_model_save_kwargs: null
                        """,
                "hydra/default.yaml", """
                        defaults:
                          - override help: app_help
                        run:
                          dir: ${path.log_dir}
                        sweep:
                          dir: ${oc.env:PROJECT_ROOT,"."}/outputs/multirun/${hydra.job.config_name}
                          subdir: ${hydra.job.num}
                        """,
                "hydra/help/app_help.yaml", "app_name: app\nheader: == ${hydra.help.app_name} ==\ntemplate: ${hydra.help.header}\n",
                "path/default.yaml", """
                        root_dir: ${oc.env:PROJECT_ROOT,"."}
                        output_dir: ${.root_dir}/outputs
                        log_dir: ${.output_dir}/${hydra:job.config_name}/${now:%Y-%m-%d_%H-%M-%S}
                        work_dir: ${hydra:runtime.cwd}
                        """,
                "modelpool/Pool/_template.yaml", """
                        _target_: Pool
                        models: ???
                        test_datasets: null
                        processor: base
                        """,
                "modelpool/Pool/pool_ab.yaml", """
                        defaults:
                          - /dataset/test@test_datasets: [a, b]
                          - _self_
                        _target_: Pool
                        models:
                          _pretrained_: base
                          a: model_a
                          b: model_b
                        """,
                "modelpool/Pool/pool_b_templated.yaml", """
                        defaults:
                          - Pool@: _template
                          - /dataset/test@test_datasets: b
                        models:
                          _pretrained_: base
                          b: model_b
                        """,
                "dataset/test/a.yaml", "a:\n  _target_: load\n  path: data/a\n  split: test\n",
                "dataset/test/b.yaml", "b:\n  _target_: load\n  path: data/b\n  split: test\n",
                "method/dummy.yaml", "_target_: Dummy\n",
                "method/adamerging/clip.yaml", """
                        name: clip_layer_wise_adamerging
                        lr: 1e-3
                        fast_dev_run: ${fast_dev_run}
                        save_merging_weights: 'merging_weights.pt'
                        """,
                "taskpool/dummy.yaml", "_target_: DummyTaskPool\n");
    }

    @Test
    void composesTheFullJobTree() {
        writeTree();
        ComposedConfig config = ConfigTrees.compose(root, "fusion", "method=adamerging/clip", "method.lr=1e-3",
                "fast_dev_run=true", "merged_model_save_kwargs={save_tensors: true}");
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("path", Map.of("root_dir", ".", "output_dir", "./outputs",
                "log_dir", "./outputs/fusion/2026-03-04_05-06-07", "work_dir", "/work/dir"));
        Map<String, Object> datasets = new LinkedHashMap<>();
        datasets.put("a", Map.of("_target_", "load", "path", "data/a", "split", "test"));
        datasets.put("b", Map.of("_target_", "load", "path", "data/b", "split", "test"));
        expected.put("modelpool", Map.of("test_datasets", datasets, "_target_", "Pool",
                "models", Map.of("_pretrained_", "base", "a", "model_a", "b", "model_b")));
        expected.put("method", Map.of("name", "clip_layer_wise_adamerging", "lr", 0.001, "fast_dev_run", true,
                "save_merging_weights", "merging_weights.pt"));
        expected.put("taskpool", Map.of("_target_", "DummyTaskPool"));
        expected.put("_target_", "Program");
        expected.put("fast_dev_run", true);
        expected.put("merged_model_save_kwargs", Map.of("save_tensors", true));
        Map<String, Object> resolved = config.resolved();
        assertEquals(expected, resolved);
        assertEquals(List.of("path", "modelpool", "method", "taskpool", "_target_", "fast_dev_run",
                "merged_model_save_kwargs"), List.copyOf(resolved.keySet()), "merge order is the defaults list order");
        assertEquals(List.of("test_datasets", "_target_", "models"),
                List.copyOf(((Map<?, ?>) resolved.get("modelpool")).keySet()));
        assertEquals("adamerging/clip", config.choices().get("method"));
        assertEquals("Pool/pool_ab", config.choices().get("modelpool"));
        assertEquals("app_help", config.choices().get("hydra/help"));
    }

    @Test
    void theHydraNodeIsComposedAndReadable() {
        writeTree();
        ComposedConfig config = ConfigTrees.compose(root, "fusion");
        assertEquals("./outputs/fusion/2026-03-04_05-06-07", config.select("hydra.run.dir"));
        assertEquals("./outputs/multirun/fusion", config.select("hydra.sweep.dir"));
        assertEquals("== app ==", config.select("hydra.help.template"));
        assertEquals("fusion", config.select("hydra.job.config_name"));
        assertEquals("app", config.select("hydra.job.name"));
        assertEquals("/work/dir", config.select("hydra.runtime.cwd"));
        assertEquals("RUN", config.select("hydra.mode"));
        assertEquals("./outputs/fusion/2026-03-04_05-06-07", config.select("hydra.runtime.output_dir"));
    }

    @Test
    void aPoolComposedFromItsTemplate() {
        writeTree();
        ComposedConfig config = ConfigTrees.compose(root, "fusion", "modelpool=Pool/pool_b_templated");
        Map<String, Object> pool = new LinkedHashMap<>();
        pool.put("_target_", "Pool");
        pool.put("models", Map.of("_pretrained_", "base", "b", "model_b"));
        pool.put("test_datasets", Map.of("b", Map.of("_target_", "load", "path", "data/b", "split", "test")));
        pool.put("processor", "base");
        assertEquals(pool, config.resolved().get("modelpool"));
        assertEquals(List.copyOf(pool.keySet()), List.copyOf(((Map<?, ?>) config.job().get("modelpool")).keySet()));
        assertEquals("_template", config.choices().get("modelpool/Pool@modelpool"));
        assertEquals("b", config.choices().get("dataset/test@modelpool.test_datasets"));
    }

    @Test
    void theEnvironmentMovesEveryPath() {
        writeTree();
        ComposedConfig config = Composer.compose(ConfigTrees.searchPath(root), "fusion", List.of(),
                ConfigTrees.runtime(Map.of("PROJECT_ROOT", "/proj")));
        assertEquals("/proj/outputs/fusion/2026-03-04_05-06-07", config.resolved().get("path") instanceof Map<?, ?> path
                ? path.get("log_dir") : null);
        assertEquals("/proj/outputs/multirun/fusion", config.select("hydra.sweep.dir"));
    }
}
