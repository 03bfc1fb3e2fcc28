package dev.relpack.elf;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The root file system of a machine, read where it is mounted ({@code /} for this one; a
 * directory in tests). Links are followed by the operating system, as the machine's own loader
 * follows them.
 */
public final class MachineFileSystem implements RootFileSystem {
  private final Path root;

  public MachineFileSystem(Path root) {
    this.root = root;
  }

  /** Where the machine's absolute path is on this one. */
  public Path onMachine(String absolute) {
    return root.resolve(absolute.substring(1));
  }

  @Override
  public Optional<String> realPath(String absolute) throws IOException {
    try {
      return Optional.of("/" + root.toRealPath().relativize(onMachine(absolute).toRealPath()));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  @Override
  public boolean isRegularFile(String absolute) {
    return Files.isRegularFile(onMachine(absolute));
  }

  @Override
  public boolean isDirectory(String absolute) {
    return Files.isDirectory(onMachine(absolute));
  }

  @Override
  public boolean isExecutable(String absolute) {
    Path file = onMachine(absolute);
    return Files.isRegularFile(file) && Files.isExecutable(file);
  }

  @Override
  public Optional<ElfFile> elf(String absolute) throws IOException {
    Path file = onMachine(absolute);
    if (!Files.isRegularFile(file) || !ElfReader.isElf(file)) {
      return Optional.empty();
    }
    try {
      return Optional.of(ElfReader.read(file));
    } catch (ElfFormatException e) {
      return Optional.empty(); // the loader would refuse it too
    }
  }

  @Override
  public Optional<String> text(String absolute, long maxBytes) throws IOException {
    Path file = onMachine(absolute);
    if (!Files.isRegularFile(file) || Files.size(file) > maxBytes) {
      return Optional.empty();
    }
    return Optional.of(Files.readString(file, StandardCharsets.ISO_8859_1));
  }

  @Override
  public List<String> list(String directory) throws IOException {
    Path dir = onMachine(directory);
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> children = Files.list(dir)) {
      return children.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
