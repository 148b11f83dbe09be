package amalgam.config;

import amalgam.UserInputException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A Hydra application's command line, as {@code fusion_bench} takes it (hydra/_internal/utils.py get_args_parser):
 * flags anywhere, {@code --flag VALUE} or {@code --flag=VALUE}, and the rest overrides. {@code configPath},
 * {@code configName} and {@code packageName} are null when not given; relative paths are taken from the working
 * directory (Hydra takes a relative {@code --config-path} from the script's directory, which amalgam does not have).
 */
public record HydraCommandLine(Path configPath, String configName, List<Path> configDirectories, boolean multirun,
                               Cfg cfg, boolean resolve, String packageName, Info info, boolean help,
                               boolean hydraHelp, boolean version, List<String> overrides) {
    /** What {@code --cfg} prints. */
    public enum Cfg { JOB, HYDRA, ALL }

    /** What {@code --info} prints. */
    public enum Info {
        ALL, CONFIG, DEFAULTS, DEFAULTS_TREE, PLUGINS, SEARCHPATH;

        String flagValue() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    public HydraCommandLine {
        configDirectories = List.copyOf(configDirectories);
        overrides = List.copyOf(overrides);
    }

    public static HydraCommandLine parse(List<String> arguments) {
        Path configPath = null;
        String configName = null;
        List<Path> configDirectories = new ArrayList<>();
        boolean multirun = false;
        Cfg cfg = null;
        boolean resolve = false;
        String packageName = null;
        Info info = null;
        boolean help = false;
        boolean hydraHelp = false;
        boolean version = false;
        List<String> overrides = new ArrayList<>();
        for (int i = 0; i < arguments.size(); i++) {
            String argument = arguments.get(i);
            if (!argument.startsWith("-") || argument.equals("-")) {
                overrides.add(argument);
                continue;
            }
            int equals = argument.indexOf('=');
            String flag = equals < 0 ? argument : argument.substring(0, equals);
            String inline = equals < 0 ? null : argument.substring(equals + 1);
            switch (flag) {
                case "--config-path", "-cp" -> {
                    String value = value(arguments, i, flag, inline);
                    i += inline == null ? 1 : 0;
                    configPath = Path.of(value);
                }
                case "--config-name", "-cn" -> {
                    configName = value(arguments, i, flag, inline);
                    i += inline == null ? 1 : 0;
                }
                case "--config-dir", "-cd" -> {
                    configDirectories.add(Path.of(value(arguments, i, flag, inline)));
                    i += inline == null ? 1 : 0;
                }
                case "--package", "-p" -> {
                    packageName = value(arguments, i, flag, inline);
                    i += inline == null ? 1 : 0;
                }
                case "--cfg", "-c" -> {
                    String value = value(arguments, i, flag, inline);
                    i += inline == null ? 1 : 0;
                    cfg = switch (value) {
                        case "job" -> Cfg.JOB;
                        case "hydra" -> Cfg.HYDRA;
                        case "all" -> Cfg.ALL;
                        default -> throw new UserInputException("--cfg takes job, hydra or all, not '" + value + "'");
                    };
                }
                case "--info", "-i" -> {
                    String value = inline;
                    if (value == null && i + 1 < arguments.size() && isInfoTopic(arguments.get(i + 1))) {
                        value = arguments.get(++i);
                    }
                    info = value == null ? Info.ALL : infoTopic(value);
                }
                case "--multirun", "-m" -> multirun = noValue(flag, inline);
                case "--resolve" -> resolve = noValue(flag, inline);
                case "--help", "-h" -> help = noValue(flag, inline);
                case "--hydra-help" -> hydraHelp = noValue(flag, inline);
                case "--version" -> version = noValue(flag, inline);
                case "--run", "-r" -> noValue(flag, inline); // running is what amalgam run does anyway
                case "--shell-completion", "-sc", "--experimental-rerun" -> throw new UserInputException(
                        flag + " is a Hydra feature amalgam does not support");
                default -> throw new UserInputException("unknown option '" + argument + "'; Hydra's options are "
                        + "--config-path/-cp, --config-name/-cn, --config-dir/-cd, --multirun/-m, --cfg/-c "
                        + "{job,hydra,all}, --resolve, --package/-p, --info/-i, --help/-h, --hydra-help, --version");
            }
        }
        return new HydraCommandLine(configPath, configName, configDirectories, multirun, cfg, resolve, packageName, info,
                help, hydraHelp, version, overrides);
    }

    /** The config name given, or {@code fallback} (the application's default, e.g. "fabric_model_fusion"). */
    public String configNameOr(String fallback) {
        return configName != null ? configName : fallback;
    }

    /** The search path this command line asks for, relative paths taken from {@code cwd}. */
    public ConfigSearchPath searchPath(Path cwd) {
        return ConfigSearchPath.standard(configPath == null ? null : cwd.resolve(configPath),
                configDirectories.stream().map(cwd::resolve).toList());
    }

    /** The overrides parsed, sweeps checked against {@code --multirun}. */
    public List<HydraOverride> parsedOverrides() {
        List<HydraOverride> parsed = overrides.stream().map(HydraOverride::parse).toList();
        Sweep.checkAllowed(parsed, multirun);
        return parsed;
    }

    private static String value(List<String> arguments, int i, String flag, String inline) {
        if (inline != null) {
            return inline;
        }
        if (i + 1 >= arguments.size()) {
            throw new UserInputException("option " + flag + " needs a value");
        }
        return arguments.get(i + 1);
    }

    private static boolean noValue(String flag, String inline) {
        if (inline != null) {
            throw new UserInputException("option " + flag + " takes no value");
        }
        return true;
    }

    private static boolean isInfoTopic(String value) {
        for (Info topic : Info.values()) {
            if (topic.flagValue().equals(value)) {
                return true;
            }
        }
        return false;
    }

    private static Info infoTopic(String value) {
        for (Info topic : Info.values()) {
            if (topic.flagValue().equals(value)) {
                return topic;
            }
        }
        throw new UserInputException("--info takes all, config, defaults, defaults-tree, plugins or searchpath, not '"
                + value + "'");
    }
}
