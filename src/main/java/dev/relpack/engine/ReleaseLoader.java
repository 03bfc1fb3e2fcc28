package dev.relpack.engine;

import dev.relpack.error.BadInputException;
import dev.relpack.layers.AppRoles;
import dev.relpack.layers.LayerPlan;
import dev.relpack.layers.LayerPlanner;
import dev.relpack.release.ExtractionLimits;
import dev.relpack.release.MixProject;
import dev.relpack.release.Release;
import dev.relpack.release.ReleaseApp;
import dev.relpack.release.ReleaseReader;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/** Finds, reads and plans the release a request names; shared by {@code build} and {@code inspect}. */
public final class ReleaseLoader {
  private ReleaseLoader() {}

  /**
   * A release and how its files are layered.
   *
   * @param project the mix project it was made from, when the request named one
   */
  public record Loaded(Release release, LayerPlan plan, Optional<MixProject> project) {}

  /**
   * @param made where the release step said it put the release, when it ran
   * @param warn told about cache content found changed (it is read again, not used)
   */
  public static Loaded load(BuildRequest request, Optional<Path> made, Consumer<String> warn) {
    // a rebar3 project says nothing mix.exs would; the release's own app and --app still count
    Optional<MixProject> project = request.projectDir()
        .filter(dir -> !ReleaseStep.rebar3(dir)).map(MixProject::read);
    Path path = request.release().orElseGet(() -> request.projectDir()
        .map(dir -> request.releaseStep().release(dir, request.environment(), made))
        .orElseThrow(() -> new BadInputException(
            "give the release with {release} PATH, or its mix project with {project-dir} DIR")));
    Release release = new ReleaseReader(CacheDirectory.root(request.cacheDir()),
        Optional.of(StateDirectory.of(request.environment(), request.home())),
        ExtractionLimits.DEFAULT, warn).read(path);
    return new Loaded(release,
        LayerPlanner.plan(release, roles(release, project, request.apps())), project);
  }

  private static AppRoles roles(Release release, Optional<MixProject> project, List<String> apps) {
    Set<String> own = new HashSet<>();
    for (String app : apps) {
      if (release.app(app).isEmpty()) {
        throw new BadInputException("{app} " + app + ": release " + release.name()
            + " has no application " + app + " (it has " + release.apps().stream()
            .map(ReleaseApp::name).sorted().toList() + ")");
      }
      own.add(app);
    }
    release.app(release.name()).ifPresent(app -> own.add(app.name()));
    project.ifPresent(p -> own.addAll(p.ownApps()));
    return new AppRoles(own, project.map(MixProject::lockedDeps).orElse(Set.of()));
  }
}
