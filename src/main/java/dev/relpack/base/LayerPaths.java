package dev.relpack.base;

import dev.relpack.error.BadInputException;
import dev.relpack.io.Printable;
import java.util.ArrayList;
import java.util.List;

/** Paths inside an image's root, as its layers name them and as its tree resolves them. */
final class LayerPaths {
  private LayerPaths() {}

  /**
   * A tar entry's name as an absolute, normalised path: a leading {@code ./} or {@code /} and any
   * {@code .} are dropped, {@code ..} goes up. A name that goes above the root is refused: no
   * runtime would extract it there, and a layer that holds one was made to attack extractors.
   */
  static String absolute(String name, String digest) {
    List<String> parts = new ArrayList<>();
    for (String part : name.split("/")) {
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (part.equals("..")) {
        if (parts.isEmpty()) {
          throw new BadInputException("base layer " + digest + " has an entry \""
              + Printable.of(name) + "\" outside the image's root; refusing the layer as"
              + " corrupt or hostile");
        }
        parts.remove(parts.size() - 1);
      } else {
        parts.add(part);
      }
    }
    return "/" + String.join("/", parts);
  }

  /** The directory a normalised absolute path is in ({@code /} for the root and its children). */
  static String parent(String absolute) {
    int slash = absolute.lastIndexOf('/');
    return slash <= 0 ? "/" : absolute.substring(0, slash);
  }

  /** The last name of a normalised absolute path (empty for the root). */
  static String name(String absolute) {
    return absolute.substring(absolute.lastIndexOf('/') + 1);
  }

  static String child(String directory, String name) {
    return directory.equals("/") ? "/" + name : directory + "/" + name;
  }
}
