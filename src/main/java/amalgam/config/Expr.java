package amalgam.config;

import java.util.List;
import java.util.Map;

/** A parsed OmegaConf value string: literal text, {@code ${a.b}} references, {@code ${name:args}} resolver calls. */
sealed interface Expr {
    /** A constant: a text piece, or a typed argument ({@code 1}, {@code true}, {@code null}). */
    record Literal(Object value) implements Expr {
    }

    /**
     * Pieces that form a string; one reference or call alone (not quoted) keeps its value's type
     * ({@code ${a}} of an int is an int).
     */
    record Concat(List<Expr> parts, boolean quoted) implements Expr {
    }

    /** {@code ${a.b}} ({@code dots} 0), {@code ${.x}} (1), {@code ${..x}} (2); a key may itself be an interpolation. */
    record NodeRef(int dots, List<Expr> keys, String text) implements Expr {
    }

    /** {@code ${oc.env:HOME,/tmp}}: the resolver's name pieces and its arguments. */
    record Call(List<Expr> name, List<Expr> args, String text) implements Expr {
    }

    record ListValue(List<Expr> items) implements Expr {
    }

    record DictValue(Map<String, Expr> entries) implements Expr {
    }
}
