/**
 * Checkpoint I/O: the safetensors reader (mapped, lazy, zero-copy, fully validated), the streaming atomic writer,
 * sharded checkpoints with their index, and the locator that turns a file, a directory or a Hugging Face cache
 * entry into the files of one model.
 */
package amalgam.io;
