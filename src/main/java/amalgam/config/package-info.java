/**
 * Hydra 1.3 / OmegaConf 2.3 config composition, so that FusionBench's command lines run with {@code fusion_bench}
 * replaced by {@code amalgam run}. Pure composition: no model code.
 *
 * <h2>Use</h2>
 * <pre>{@code
 * HydraCommandLine line = HydraCommandLine.parse(args);             // flags + override strings
 * ConfigSearchPath path = line.searchPath(cwd);                      // hydra builtins, --config-path (or amalgam's tree), --config-dir
 * List<HydraOverride> overrides = line.parsedOverrides();                 // sweeps checked against -m
 * for (List<HydraOverride> job : Sweep.expand(overrides)) {               // one job without -m
 *     ComposedConfig config = Composer.compose(path, line.configNameOr("amalgam_fusion"), job,
 *             HydraRuntime.current("amalgam"));                      // use runtime.job(i) for job i of a multirun
 *     if (line.cfg() != null) print(ConfigReports.cfg(config, line.cfg(), line.resolve(), line.packageName()));
 *     Map<String, Object> cfg = config.resolved();                   // job config, interpolations resolved
 *     String method = config.choices().get("method");                // e.g. "adamerging/clip"
 * }
 * }</pre>
 *
 * <h2>Semantics (checked against Hydra 1.3.2 and OmegaConf 2.3.0 sources)</h2>
 * <ul>
 *   <li>{@link amalgam.config.ConfigSearchPath}: the first root with {@code group/option.yaml} wins; Hydra's own
 *       configs ({@code hydra/config}, {@code hydra/output/default}, ...) come from the classpath folder
 *       {@code amalgam/hydra/conf}, amalgam's configs from {@code amalgam/config}.</li>
 *   <li>{@link amalgam.config.Composer}: Hydra's defaults tree (defaults_list.py): {@code group: option},
 *       {@code group@pkg}, {@code /absolute}, option lists, {@code optional}, {@code override}, {@code _self_}
 *       (added last when absent, so a config's own fields win), {@code _here_}, {@code _global_},
 *       {@code # @package} headers; nested groups are relative to the parent's group, packages to the parent's
 *       package. Configs merge as OmegaConf merges (maps recursively, lists and scalars replace, {@code ???} never
 *       replaces a value).</li>
 *   <li>{@link amalgam.config.HydraOverride}: Hydra's override grammar; {@code key=v} needs an existing key, {@code +key=v}
 *       an absent one, {@code ++key=v} either, {@code ~key} deletes; {@code group=option} chooses an option;
 *       {@code group=null} (an amalgam extension; Hydra 1.3 refuses it) chooses none.</li>
 *   <li>{@link amalgam.config.Sweep}: {@code a,b}, {@code choice(..)}, {@code range(..)} only with {@code -m}; the
 *       jobs are BasicSweeper's cartesian product, first key slowest.</li>
 *   <li>{@link amalgam.config.ComposedConfig#resolved()}: OmegaConf interpolation over the whole tree (absolute,
 *       relative, string, nested; {@code oc.env}, {@code oc.select}, {@code oc.decode}, {@code now},
 *       {@code hydra}); the {@code hydra} node carries the job's name, config name, number, cwd and choices.</li>
 * </ul>
 * Not supported (each an error that says so): interpolation inside a defaults list, {@code hydra.searchpath},
 * structured configs / ConfigStore, sweepers and launchers other than the basic ones, override functions other than
 * {@code choice} and {@code range}, resolvers other than the five above.
 */
package amalgam.config;
