package amalgam.config;

import java.util.List;

/**
 * One entry of a {@code defaults:} list as written in a config file (Hydra's input default):
 * <ul>
 *   <li>{@code - _self_}: where the file's own fields go ({@link Kind#SELF});</li>
 *   <li>{@code - name}, {@code - group/name}, {@code - /abs/name@pkg}: a config without a choice ({@link Kind#CONFIG});</li>
 *   <li>{@code - [optional|override] group@pkg: option}, {@code option} a name, a list of names or {@code null}: a
 *       config group whose option can be changed from the command line ({@link Kind#GROUP}).</li>
 * </ul>
 * {@code path} is the group (GROUP) or config path (CONFIG), with a leading {@code /} when absolute;
 * {@code packageName} is what follows {@code @} (null without one; {@code _here_} is already turned into "").
 */
public record DefaultsElement(Kind kind, String path, String packageName, String option, List<String> options,
                              boolean optional, boolean override) {
    public enum Kind { SELF, CONFIG, GROUP }

    public DefaultsElement {
        options = options == null ? null : List.copyOf(options);
        if ("_here_".equals(packageName)) {
            packageName = "";
        }
    }

    static DefaultsElement self() {
        return new DefaultsElement(Kind.SELF, "_self_", null, null, null, false, false);
    }

    static DefaultsElement config(String path, String packageName) {
        return new DefaultsElement(Kind.CONFIG, path, packageName, null, null, false, false);
    }

    static DefaultsElement group(String group, String packageName, String option, List<String> options,
                                 boolean optional, boolean override) {
        return new DefaultsElement(Kind.GROUP, group, packageName, option, options, optional, override);
    }

    @Override
    public String toString() {
        String key = path + (packageName == null ? "" : "@" + packageName);
        return switch (kind) {
            case SELF -> "_self_";
            case CONFIG -> key;
            case GROUP -> (override ? "override " : "") + (optional ? "optional " : "") + key + ": "
                    + (options != null ? options : option);
        };
    }
}
