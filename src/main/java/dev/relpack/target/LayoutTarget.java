package dev.relpack.target;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.cloud.tools.jib.api.Containerizer;
import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.JibContainer;
import com.google.cloud.tools.jib.api.JibContainerBuilder;
import com.google.cloud.tools.jib.api.TarImage;
import dev.relpack.error.BadInputException;
import dev.relpack.format.ocilayout.OciLayoutNames;
import dev.relpack.format.ocilayout.OciLayoutWriter;
import dev.relpack.io.ExclusiveLock;
import dev.relpack.io.Sha256;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * An OCI image layout directory, created or added to; each tag becomes a ref name in its index.
 * jib writes an OCI layout inside a tar; relpack unpacks it into the directory (see
 * {@link OciLayoutWriter}).
 */
public record LayoutTarget(Path dir, List<String> tags) implements Target {
  public LayoutTarget {
    tags = List.copyOf(tags);
  }

  @Override
  public String display() {
    return "oci:" + dir;
  }

  @Override
  public void checkWritable() {
    Target.requireParentDirectory(dir, display());
    if (!Files.exists(dir)) {
      return;
    }
    if (!Files.isDirectory(dir)) {
      throw new BadInputException("--to " + display() + " is a file; name a directory for the layout");
    }
    if (!Files.isRegularFile(dir.resolve(OciLayoutNames.MARKER)) && !isEmpty(dir)) {
      throw new BadInputException("--to " + display() + " exists and is not an OCI layout;"
          + " name a new or empty directory, or an existing layout");
    }
    Path index = dir.resolve(OciLayoutNames.INDEX);
    if (Files.exists(index) && !isIndex(index)) {
      throw new BadInputException("--to " + display() + ": its index.json is not an OCI image"
          + " index; name a new or empty directory, or a valid layout");
    }
    Target.requireWritable(dir, display());
  }

  @Override
  public TargetSession.Written write(JibContainerBuilder jib, TargetSession session)
      throws Exception {
    Files.createDirectories(session.staging());
    Path tmp = session.staging().resolve("oci-" + UUID.randomUUID() + ".tar");
    try {
      ImageReference name = ImageReference.of(null, "relpack", tags.get(0));
      JibContainer container = jib.containerize(
          session.configure(Containerizer.to(TarImage.at(tmp).named(name))));
      session.requireWanted();
      Files.createDirectories(dir);
      // index.json is read, changed and replaced: builds adding to one layout take turns, or a
      // tag one of them wrote could be lost
      Path lock = session.locks().resolve("layout-" + Sha256.of(dir.toRealPath().toString()) + ".lock");
      JsonNode manifest = OciLayoutWriter.add(tmp, dir, tags, () -> ExclusiveLock.acquire(lock,
          () -> session.listener().warn("waiting for another build writing " + display())),
          session.listener()::warn);
      Path manifestBlob = OciLayoutNames.blob(dir, manifest.path("digest").asText());
      List<TargetSession.Blob> layers = new ArrayList<>();
      for (JsonNode layer : new ObjectMapper().readTree(manifestBlob.toFile()).path("layers")) {
        layers.add(new TargetSession.Blob(layer.path("digest").asText(), layer.path("size").asLong()));
      }
      return new TargetSession.Written(container, layers);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private static boolean isIndex(Path file) {
    try {
      JsonNode json = new ObjectMapper().readTree(file.toFile());
      return json.isObject()
          && (json.path("manifests").isArray() || json.path("manifests").isMissingNode());
    } catch (IOException e) {
      return false;
    }
  }

  private static boolean isEmpty(Path directory) {
    try (Stream<Path> children = Files.list(directory)) {
      return children.findAny().isEmpty();
    } catch (IOException e) {
      return false;
    }
  }
}
