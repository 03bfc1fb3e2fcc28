package dev.relpack.io;

import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * The one rule for modes in images and in the cache: a file with any execute bit is executable
 * (0755), any other file is not (0644). Owners, umasks and group bits of the build machine do not
 * reach the image.
 */
public final class PosixModes {
  private static final Set<PosixFilePermission> EXECUTABLE = PosixFilePermissions.fromString("rwxr-xr-x");
  private static final Set<PosixFilePermission> PLAIN = PosixFilePermissions.fromString("rw-r--r--");

  private PosixModes() {}

  public static boolean isExecutable(PosixFileAttributes attrs) {
    Set<PosixFilePermission> perms = attrs.permissions();
    return perms.contains(PosixFilePermission.OWNER_EXECUTE)
        || perms.contains(PosixFilePermission.GROUP_EXECUTE)
        || perms.contains(PosixFilePermission.OTHERS_EXECUTE);
  }

  /** 0755 or 0644. */
  public static Set<PosixFilePermission> forFile(boolean executable) {
    return executable ? EXECUTABLE : PLAIN;
  }
}
