/** mergekit YAML configurations as records: models, slices, parameter settings (scalars, gradients, filters). */
package amalgam.mergekit.config;
