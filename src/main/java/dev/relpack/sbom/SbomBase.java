package dev.relpack.sbom;

import dev.relpack.base.OsInventory;
import java.util.Optional;

/**
 * The base of an image, as its SBOM names it.
 *
 * @param name what the image's {@code base.name} label says ({@code debian:12-slim}, {@code
 *     host}, {@code tar:...})
 * @param digest the base's manifest digest, when it is pinned to one
 * @param repository {@code REGISTRY/REPOSITORY} of a registry base, for its {@code pkg:oci} purl
 * @param inventory its os-release and packages (and, for the host base, files no package owns)
 */
public record SbomBase(String name, Optional<String> digest, Optional<String> repository,
    OsInventory inventory) {}
