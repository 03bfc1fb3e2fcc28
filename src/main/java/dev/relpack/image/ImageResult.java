package dev.relpack.image;

import java.util.List;

/**
 * What a build produced.
 *
 * @param digest the manifest digest (what {@code image@digest} pulls)
 * @param imageId the config digest (what {@code docker images} shows)
 * @param uploadedBytes bytes of blobs actually uploaded to a registry (0 for tar and oci)
 * @param uploadedBlobs blobs actually uploaded; the others already were in the registry
 */
public record ImageResult(String digest, String imageId, List<String> tags,
    List<LayerResult> layers, long uploadedBytes, int uploadedBlobs) {
  public ImageResult {
    tags = List.copyOf(tags);
    layers = List.copyOf(layers);
  }

  public long totalSize() {
    return layers.stream().mapToLong(LayerResult::size).sum();
  }
}
