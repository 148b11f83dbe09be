/**
 * Figures as self-contained SVG (no scripts, no external references): the charts of amalgam's analysis methods and
 * reports, each drawn with one mark per datum so a reader (or a test) can count what was drawn.
 */
package amalgam.report;
