/** The command line: thin picocli commands that parse, call one service, and map typed errors to exit codes. */
package amalgam.cli;
