package amalgam.cli;

import amalgam.fusion.MethodDeclaration;
import amalgam.fusion.MethodRegistry;
import amalgam.fusion.param.ParameterSpec;
import amalgam.mergekit.method.MergeMethod;
import amalgam.param.Domain;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code amalgam methods}: every built-in method of both dialects with its parameters and defaults. */
@Command(name = "methods", mixinStandardHelpOptions = true, description = "List the fusion methods of both dialects with their parameters and defaults.")
final class MethodsCommand implements Callable<Integer> {
    @Option(names = "--markdown", description = "Print Markdown tables (as in the README).")
    boolean markdown;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        List<String[]> fusionBench = new ArrayList<>();
        for (MethodDeclaration declaration : MethodRegistry.builtIns()) {
            List<String> parameters = new ArrayList<>();
            for (ParameterSpec parameter : declaration.parameters()) {
                parameters.add(parameter.summary());
            }
            String names = declaration.configName() + (declaration.aliases().isEmpty() ? ""
                    : " (" + String.join(", ", declaration.aliases()) + ")");
            fusionBench.add(new String[] {names, String.join(", ", parameters), declaration.summary()});
        }
        List<String[]> mergekit = new ArrayList<>();
        for (String name : amalgam.mergekit.method.MergekitMethods.names()) {
            MergeMethod method = amalgam.mergekit.method.MergekitMethods.get(name);
            mergekit.add(new String[] {name + (method.requiresBaseModel() ? " (needs base_model)" : ""),
                describe(method.globalParameters()), describe(method.tensorParameters())});
        }
        print(out, "FusionBench dialect (amalgam run method=NAME method.PARAM=VALUE)",
                new String[] {"method (aliases)", "parameters (defaults, domains)", "what it does"}, fusionBench);
        print(out, "mergekit dialect (amalgam merge CONFIG.yml OUT)",
                new String[] {"merge_method", "global parameters", "per-model parameters"}, mergekit);
        return Main.EXIT_OK;
    }

    private static String describe(List<amalgam.mergekit.method.MergekitParameter> parameters) {
        List<String> parts = new ArrayList<>();
        for (var parameter : parameters) {
            parts.add(parameter.name() + (parameter.required() ? " (required)"
                    : parameter.defaultValue() == null ? "" : "=" + Domain.format(parameter.defaultValue()))
                    + " in " + parameter.domain());
        }
        return parts.isEmpty() ? "-" : String.join(", ", parts);
    }

    private void print(PrintWriter out, String title, String[] header, List<String[]> rows) {
        if (markdown) {
            out.println("**" + title + "**\n");
            out.println("| " + String.join(" | ", header) + " |");
            out.println("|" + "---|".repeat(header.length));
            for (String[] row : rows) {
                out.println("| " + String.join(" | ", List.of(row).stream().map(c -> c.isEmpty() ? "-" : c.replace("|", "\\|")).toList()) + " |");
            }
        } else {
            out.println(title);
            for (String[] row : rows) {
                out.println("  " + row[0]);
                out.println("      " + header[1] + ": " + (row[1].isEmpty() ? "-" : row[1]));
                out.println("      " + header[2] + ": " + row[2]);
            }
        }
        out.println();
    }
}
