/** Benchmarks behind {@code amalgam bench}: throughput printed next to the machine's limits measured in the same run. */
package amalgam.bench;
