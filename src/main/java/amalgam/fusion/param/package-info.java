/** Method parameters: declarations with FusionBench's names and defaults, YAML-scalar parsing and validation. */
package amalgam.fusion.param;
