package dev.relpack.cli;

import dev.relpack.engine.BuildRequest;
import dev.relpack.engine.ReleaseStep;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;

/** The options of {@code check} and {@code inspect} that name a release already made. */
final class ExistingRelease {
  @Option(names = "--release", paramLabel = "PATH",
      description = "Release directory (_build/prod/rel/NAME) or tarball (NAME-VSN.tar.gz).")
  Path release;

  @Option(names = "--project-dir", paramLabel = "DIR",
      description = "The mix (or rebar3) project: finds the release it made.")
  Path projectDir;

  @Option(names = "--mix-env", paramLabel = "ENV",
      description = "With --project-dir: the MIX_ENV its release was made in (default: $MIX_ENV,"
          + " else prod).")
  String mixEnv;

  @Option(names = "--release-name", paramLabel = "NAME",
      description = "With --project-dir: the release to use, for projects that define several.")
  String releaseName;

  /** Puts them in {@code request}: the release, or the project's, with no release step. */
  BuildRequest.Builder into(BuildRequest.Builder request) {
    return request.release(release).projectDir(projectDir)
        .releaseStep(ReleaseStep.existing(Optional.ofNullable(mixEnv),
            Optional.ofNullable(releaseName)));
  }
}
