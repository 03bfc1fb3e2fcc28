package dev.relpack.release;

import java.util.List;
import java.util.Optional;

/**
 * A release, read and checked: its identity, how it starts, and all its files (in path order,
 * their bytes in the cache's content store).
 *
 * @param ertsIncluded whether the release carries its own {@code erts-VSN/} (mix
 *     {@code include_erts: true}, the default); without it, {@code erl} must come from the base
 */
public record Release(
    String name,
    String version,
    String ertsVersion,
    ReleaseKind kind,
    boolean ertsIncluded,
    List<ReleaseApp> apps,
    List<ReleaseFile> files) {

  public Release {
    apps = List.copyOf(apps);
    files = List.copyOf(files);
  }

  /** The argument that starts it in the foreground ({@code start} or {@code foreground}). */
  public String startCommand() {
    return kind.startCommand();
  }

  /** The release's start script, relative to its root. */
  public String startScript() {
    return "bin/" + name;
  }

  /** The same release with its files somewhere else (e.g. in the content store). */
  public Release withFiles(List<ReleaseFile> moved) {
    return new Release(name, version, ertsVersion, kind, ertsIncluded, apps, moved);
  }

  public Optional<ReleaseApp> app(String appName) {
    return apps.stream().filter(a -> a.name().equals(appName)).findFirst();
  }
}
