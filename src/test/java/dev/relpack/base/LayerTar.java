package dev.relpack.base;

import dev.relpack.io.Sha256;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/** A layer tar written in memory, entry by entry, as a test needs it. */
final class LayerTar {
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes);

  LayerTar() {
    tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
  }

  LayerTar dir(String name) {
    TarArchiveEntry entry = new TarArchiveEntry(name.endsWith("/") ? name : name + "/");
    entry.setMode(040755);
    return put(entry, new byte[0]);
  }

  LayerTar file(String name, String content) {
    return file(name, content.getBytes(StandardCharsets.UTF_8), 0644);
  }

  LayerTar file(String name, byte[] content, int mode) {
    TarArchiveEntry entry = new TarArchiveEntry(name);
    entry.setMode(0100000 | mode);
    entry.setSize(content.length);
    return put(entry, content);
  }

  /** A file of this machine, under {@code name}. */
  LayerTar copy(String name, Path machineFile) {
    try {
      return file(name, Files.readAllBytes(machineFile),
          Files.isExecutable(machineFile) ? 0755 : 0644);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  LayerTar symlink(String name, String target) {
    TarArchiveEntry entry = new TarArchiveEntry(name, TarConstants.LF_SYMLINK);
    entry.setLinkName(target);
    return put(entry, new byte[0]);
  }

  LayerTar hardLink(String name, String target) {
    TarArchiveEntry entry = new TarArchiveEntry(name, TarConstants.LF_LINK);
    entry.setLinkName(target);
    return put(entry, new byte[0]);
  }

  /** {@code .wh.NAME} beside NAME. */
  LayerTar whiteout(String name) {
    int slash = name.lastIndexOf('/');
    return file(name.substring(0, slash + 1) + ".wh." + name.substring(slash + 1), "");
  }

  LayerTar opaque(String directory) {
    return file(directory + "/.wh..wh..opq", "");
  }

  private LayerTar put(TarArchiveEntry entry, byte[] content) {
    try {
      tar.putArchiveEntry(entry);
      tar.write(content);
      tar.closeArchiveEntry();
      return this;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  byte[] bytes() {
    try {
      tar.finish();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The tar as a base layer named by its digest, counting how often it is opened. */
  BaseLayer layer(AtomicInteger opens) {
    byte[] content = bytes();
    return new BaseLayer("sha256:" + Sha256.of(content), () -> {
      opens.incrementAndGet();
      return new ByteArrayInputStream(content);
    });
  }

  BaseLayer layer() {
    return layer(new AtomicInteger());
  }
}
