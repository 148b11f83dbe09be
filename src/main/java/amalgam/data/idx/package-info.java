/** The IDX format of MNIST-style datasets (plain or gzip-compressed), read with every size checked first. */
package amalgam.data.idx;
