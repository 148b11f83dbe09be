/**
 * Threads: the parallel helper (index ranges in blocks fixed by the work, not by the thread count, so results are the
 * same for any count) and lanes of independent jobs, each job on one thread from start to end.
 */
package amalgam.parallel;
