package dev.relpack.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs the machine's real {@code mvn} in a child process against the freshly packaged plugin,
 * as a user's build would. The plugin is put in a local repository of the test's own; everything
 * else Maven needs (the plugin's dependencies) it fetches from the outer build's local
 * repository, served to it as Maven Central (a {@code file:} URL; it has no checksum files), so no network is used and the user's
 * repository is never written to.
 */
public final class MavenRun {
  private final Path work;
  private final Path settings;
  private final Path home;
  private final Map<String, String> env = new HashMap<>();

  private MavenRun(Path work, Path settings, Path home) {
    this.work = work;
    this.settings = settings;
    this.home = home;
  }

  /** The plugin's coordinates, {@code dev.relpack:relpack-maven-plugin:VERSION}. */
  public static String plugin() {
    return "dev.relpack:relpack-maven-plugin:" + version();
  }

  public static String version() {
    return System.getProperty("relpack.version", "0.1.0-SNAPSHOT");
  }

  /**
   * A Maven set up in {@code work} with the plugin installed.
   *
   * @param servers extra {@code <server>} elements for settings.xml (may be empty)
   */
  public static MavenRun in(Path work, String servers) throws IOException {
    Path repository = work.resolve("repository");
    Path installed = Files.createDirectories(
        repository.resolve("dev/relpack/relpack-maven-plugin/" + version()));
    String base = "relpack-maven-plugin-" + version();
    Files.copy(Path.of(System.getProperty("relpack.pluginJar",
        "target/" + base + ".jar")), installed.resolve(base + ".jar"));
    Files.copy(Path.of(System.getProperty("relpack.pom", "pom.xml")),
        installed.resolve(base + ".pom"));
    // what `mvn install` records beside them: the version, and the prefix for pluginGroups users
    Files.writeString(installed.getParent().resolve("maven-metadata-local.xml"), """
        <metadata><groupId>dev.relpack</groupId><artifactId>relpack-maven-plugin</artifactId>
          <versioning><latest>%s</latest><versions><version>%s</version></versions></versioning>
        </metadata>
        """.formatted(version(), version()));
    Files.writeString(installed.getParent().getParent().resolve("maven-metadata-local.xml"), """
        <metadata><plugins><plugin><name>relpack</name><prefix>relpack</prefix>
          <artifactId>relpack-maven-plugin</artifactId></plugin></plugins></metadata>
        """);
    Path outer = Path.of(System.getProperty("relpack.m2",
        System.getProperty("user.home") + "/.m2/repository"));
    Path settings = work.resolve("settings.xml");
    Files.writeString(settings, """
        <settings>
          <localRepository>%1$s</localRepository>
          <profiles>
            <profile>
              <id>outer-build</id>
              <repositories>
                <repository>
                  <id>central</id>
                  <url>%2$s</url>
                  <releases><checksumPolicy>ignore</checksumPolicy></releases>
                  <snapshots><enabled>false</enabled></snapshots>
                </repository>
              </repositories>
              <pluginRepositories>
                <pluginRepository>
                  <id>central</id>
                  <url>%2$s</url>
                  <releases><checksumPolicy>ignore</checksumPolicy></releases>
                  <snapshots><enabled>false</enabled></snapshots>
                </pluginRepository>
              </pluginRepositories>
            </profile>
          </profiles>
          <activeProfiles><activeProfile>outer-build</activeProfile></activeProfiles>
          <pluginGroups><pluginGroup>dev.relpack</pluginGroup></pluginGroups>
          <servers>%3$s</servers>
        </settings>
        """.formatted(repository, outer.toUri(), servers));
    return new MavenRun(work, settings, Files.createDirectories(work.resolve("home")));
  }

  public MavenRun env(String name, String value) {
    env.put(name, value);
    return this;
  }

  /** Runs {@code mvn -B -s settings.xml ARGS} in {@code directory}. */
  public Command.Result run(Path directory, String... args) {
    List<String> command = new ArrayList<>(List.of("mvn", "-B", "-s", settings.toString()));
    command.addAll(List.of(args));
    Map<String, String> environment = new HashMap<>();
    System.getenv().keySet().stream().filter(name -> name.startsWith("CI_")
            || name.equals("GITLAB_CI") || name.startsWith("MAVEN_") || name.equals("MIX_ENV") || name.equals("DOCKER_CONFIG"))
        .forEach(name -> environment.put(name, null));
    environment.put("HOME", home.toString());
    environment.put("XDG_CACHE_HOME", work.resolve("cache").toString());
    environment.putAll(env);
    return Command.run(command, environment, Duration.ofMinutes(5), directory);
  }
}
