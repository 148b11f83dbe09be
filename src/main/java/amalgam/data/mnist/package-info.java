/** MNIST and Fashion-MNIST: real 28x28 grayscale datasets read from their IDX files. */
package amalgam.data.mnist;
