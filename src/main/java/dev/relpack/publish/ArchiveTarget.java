package dev.relpack.publish;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.cloud.tools.jib.api.Containerizer;
import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.JibContainer;
import com.google.cloud.tools.jib.api.JibContainerBuilder;
import com.google.cloud.tools.jib.api.TarImage;
import com.google.cloud.tools.jib.api.buildplan.ImageFormat;
import dev.relpack.error.BadInputException;
import dev.relpack.error.InternalException;
import dev.relpack.format.CorruptBlobException;
import dev.relpack.format.dockerarchive.DockerArchiveNames;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import dev.relpack.io.Sha256;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * A {@code docker save} archive at {@code file}, for {@code docker load}; its images are named
 * after the release ({@code NAME:TAG}). Written beside the file and moved over it when complete.
 */
public record ArchiveTarget(Path file, List<String> tags) implements Target {
  private static final Pattern BLOB = Pattern.compile("([0-9a-f]{64})\\.(?:tar\\.gz|json)");

  public ArchiveTarget {
    tags = List.copyOf(tags);
  }

  @Override
  public String display() {
    return "tar:" + file;
  }

  @Override
  public void checkWritable() {
    Target.requireParentDirectory(file, display());
    if (Files.isDirectory(file)) {
      throw new BadInputException("{to} " + display() + " is a directory; name a file for the archive");
    }
  }

  @Override
  public ImageFormat format() {
    return ImageFormat.Docker;
  }

  @Override
  public TargetSession.Written write(JibContainerBuilder jib, TargetSession session)
      throws Exception {
    Path absolute = file.toAbsolutePath();
    Path tmp = absolute.resolveSibling("." + absolute.getFileName() + "." + UUID.randomUUID() + ".tmp");
    try {
      ImageReference name =
          ImageReference.of(null, Target.repositoryName(session.imageName()), tags.get(0));
      JibContainer container = jib.containerize(
          session.configure(Containerizer.to(TarImage.at(tmp).named(name))));
      session.requireWanted();
      List<TargetSession.Blob> layers = layers(tmp);
      Files.move(tmp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      return new TargetSession.Written(container, layers);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /**
   * The layers of the archive jib wrote: digests from the names, sizes from the entries. Each
   * layer and the config is checked against the digest it is named by: a mismatch means jib's
   * cache gave bad content ({@link CorruptBlobException}).
   */
  private static List<TargetSession.Blob> layers(Path archive) throws IOException {
    Map<String, Long> sizes = new LinkedHashMap<>();
    JsonNode manifest = null;
    try (TarArchiveInputStream tar =
        new TarArchiveInputStream(new BufferedInputStream(Files.newInputStream(archive)))) {
      for (TarArchiveEntry entry; (entry = tar.getNextEntry()) != null; ) {
        String name = entry.getName();
        if (name.equals(DockerArchiveNames.MANIFEST)) {
          manifest = new ObjectMapper().readTree(tar.readAllBytes());
          continue;
        }
        sizes.put(name, entry.getSize());
        Matcher named = BLOB.matcher(name);
        if (named.matches()) {
          if (!Sha256.of(tar).equals(named.group(1))) {
            throw new CorruptBlobException("sha256:" + named.group(1));
          }
        }
      }
    }
    if (manifest == null) {
      throw new InternalException("jib wrote an archive without manifest.json", null);
    }
    List<TargetSession.Blob> layers = new ArrayList<>();
    for (JsonNode layer : manifest.path(0).path("Layers")) {
      String name = layer.asText();
      layers.add(new TargetSession.Blob("sha256:" + name.replace(".tar.gz", ""),
          sizes.getOrDefault(name, 0L)));
    }
    return layers;
  }
}
