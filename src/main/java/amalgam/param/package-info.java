/**
 * Parameter domains shared by both dialects: the values a method parameter may take, declared with the parameter
 * and checked when the configuration is read, before any tensor is.
 */
package amalgam.param;
