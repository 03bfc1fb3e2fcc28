/**
 * The software bill of materials of an image: what {@link dev.relpack.sbom.ImageContents} finds
 * in a release, its base and the tool that built it ({@link dev.relpack.sbom.Sbom}, pure data),
 * and its two JSON forms, CycloneDX 1.5 and SPDX 2.3 ({@link dev.relpack.sbom.SbomFormat}).
 * Downstream of {@code release}, {@code elf}, {@code base} and {@code layers} only: the engine
 * builds it, front ends only name a file or a format.
 */
package dev.relpack.sbom;
