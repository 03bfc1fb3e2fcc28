package dev.relpack.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;

/**
 * What a command may touch of the outside world, passed in so tests run commands in-process
 * with their own environment and streams.
 *
 * @param interactive whether stderr is a terminal (for {@code --progress auto})
 * @param machineRoot the machine {@code --from host} takes files from
 */
record Context(Map<String, String> env, Path home, PrintStream out, PrintStream err,
    boolean interactive, Path machineRoot) {}
