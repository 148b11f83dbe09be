package amalgam.fusion.closedform;

import amalgam.UserInputException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * FusionBench's {@code exclude_param_names_regex}: a name is excluded when one of the patterns matches at its start
 * (Python's {@code re.match}, not a full match and not a search). Excluded tensors keep the pretrained value.
 */
public record ExcludedNames(List<Pattern> patterns) {
    public ExcludedNames {
        patterns = List.copyOf(patterns);
    }

    /** The patterns of a method's parameter; a bad-input error naming the method and the pattern when one is invalid. */
    public static ExcludedNames of(List<String> regexes, String method) {
        List<Pattern> patterns = new ArrayList<>();
        for (String regex : regexes) {
            try {
                patterns.add(Pattern.compile(regex));
            } catch (PatternSyntaxException e) {
                throw new UserInputException("parameter 'exclude_param_names_regex' of method '" + method + "': '" + regex
                        + "' is not a regular expression (" + e.getDescription() + ")");
            }
        }
        return new ExcludedNames(patterns);
    }

    public boolean excludes(String name) {
        return patterns.stream().anyMatch(pattern -> pattern.matcher(name).lookingAt());
    }
}
