package dev.relpack.image;

import com.google.cloud.tools.jib.api.InsecureRegistryException;
import com.google.cloud.tools.jib.api.RegistryAuthenticationFailedException;
import com.google.cloud.tools.jib.api.RegistryUnauthorizedException;
import com.google.cloud.tools.jib.http.ResponseException;
import com.google.cloud.tools.jib.image.json.PlatformNotFoundInBaseImageException;
import com.google.cloud.tools.jib.image.json.UnlistedPlatformInManifestListException;
import com.google.cloud.tools.jib.registry.RegistryCredentialsNotSentException;
import com.google.cloud.tools.jib.registry.credentials.CredentialRetrievalException;
import dev.relpack.auth.RegistryCredentials;
import dev.relpack.error.BadInputException;
import dev.relpack.error.CheckFailedException;
import dev.relpack.error.InternalException;
import dev.relpack.error.RegistryException;
import dev.relpack.error.RelpackException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.file.NoSuchFileException;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Turns what jib throws into one clear line and the right exit status. */
final class JibErrors {
  /** jib 0.28.1's BlobPuller message for a blob whose content has another digest. */
  private static final Pattern OTHER_BLOB = Pattern.compile(
      "pulled BLOB has digest '(sha256:[0-9a-f]{64})', but the request digest was '(sha256:[0-9a-f]{64})'");

  private JibErrors() {}

  /**
   * @param target the target, as output names it
   * @param base the base image's name: the only image jib pulls blobs of
   */
  static RelpackException translate(Throwable thrown, String target, String base) {
    Throwable e = thrown;
    while (e instanceof ExecutionException && e.getCause() != null) {
      e = e.getCause();
    }
    if (e instanceof RelpackException relpack) {
      return relpack;
    }
    if (e instanceof java.io.IOException) {
      // jib reports a pulled blob that does not match its digest inside an IOException
      e = registryCause(e).orElse(e);
    }
    Matcher otherBlob = OTHER_BLOB.matcher(String.valueOf(e.getMessage()));
    if (e instanceof com.google.cloud.tools.jib.api.RegistryException && otherBlob.find()) {
      return new RegistryException("the registry of " + base + " sent blob " + otherBlob.group(2)
          + " with content whose digest is " + otherBlob.group(1) + " (building " + target + ")",
          e);
    }
    if (e instanceof UnlistedPlatformInManifestListException
        || e instanceof PlatformNotFoundInBaseImageException) {
      return new CheckFailedException("the base of " + target + " offers no image for the"
          + " release's platform: " + oneLine(e.getMessage()).replaceAll(" If your intention.*", ""));
    }
    if (e instanceof InsecureRegistryException) {
      return new RegistryException("cannot verify the TLS certificate of the registry for "
          + target + "; pass {registry-ca} FILE to trust its CA, or {insecure}", e);
    }
    if (e instanceof RegistryCredentialsNotSentException) {
      return new RegistryException("the registry for " + target + " wants credentials over plain"
          + " HTTP; pass {insecure} to allow that", e);
    }
    if (e instanceof RegistryAuthenticationFailedException) {
      return new RegistryException("authentication failed for " + target
          + "; check the credentials for its registry", e);
    }
    if (e instanceof RegistryUnauthorizedException unauthorized) {
      int status = unauthorized.getHttpResponseException().getStatusCode();
      return new RegistryException((status == 403 ? "access denied" : "not authorised")
          + " (HTTP " + status + ") by the registry of " + unauthorized.getImageReference()
          + "; check the credentials and that they may push there", e);
    }
    if (e instanceof ResponseException response) {
      return new RegistryException("the registry answered HTTP " + response.getStatusCode()
          + " while building " + target, e);
    }
    if (e instanceof com.google.cloud.tools.jib.api.RegistryException) {
      return new RegistryException("registry error for " + target + ": " + oneLine(e.getMessage()), e);
    }
    if (e instanceof UnknownHostException) {
      return new RegistryException("unknown host " + e.getMessage() + " (building " + target + ")", e);
    }
    if (e instanceof ConnectException || e instanceof SocketTimeoutException) {
      return new RegistryException("lost the connection to the registry while building " + target
          + " (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")", e);
    }
    if (e instanceof CredentialRetrievalException failed) {
      // not the message: jib puts a helper's raw output in it
      return new BadInputException("cannot get registry credentials while building " + target
          + " (" + RegistryCredentials.causeName(failed) + " from a credential helper); run the"
          + " helper by hand to see why, or give the credentials another way", e);
    }
    if (e instanceof NoSuchFileException) {
      return new InternalException("a file disappeared during the build: " + e.getMessage()
          + " (was the cache directory cleaned?)", e);
    }
    return new InternalException("building " + target + " failed: " + e.getClass().getSimpleName()
        + ": " + oneLine(String.valueOf(e.getMessage())), e);
  }

  /**
   * The OutOfMemoryError behind a failure of jib's, if that is what it is. jib holds manifests,
   * configs and token answers in memory whole, so a registry sending one without end can
   * exhaust the heap on one of jib's threads; the registry phase reports it (exit 4).
   */
  static Optional<OutOfMemoryError> outOfMemory(Throwable thrown) {
    for (Throwable e = thrown; e != null; e = e.getCause()) {
      if (e instanceof OutOfMemoryError memory) {
        return Optional.of(memory);
      }
      if (e.getCause() == e) {
        break;
      }
    }
    return Optional.empty();
  }

  private static Optional<Throwable> registryCause(Throwable thrown) {
    for (Throwable e = thrown.getCause(); e != null && e != e.getCause(); e = e.getCause()) {
      if (e instanceof com.google.cloud.tools.jib.api.RegistryException) {
        return Optional.of(e);
      }
    }
    return Optional.empty();
  }

  /** Whether a failure is worth trying the whole build again: jib retries neither 429 nor 5xx. */
  static boolean isTransient(Throwable thrown) {
    Throwable e = thrown;
    while (e instanceof ExecutionException && e.getCause() != null) {
      e = e.getCause();
    }
    return e instanceof ResponseException response
        && (response.getStatusCode() == 429 || response.getStatusCode() >= 500);
  }

  private static final Pattern REJECTED_BLOB = Pattern.compile(
      "with digest (sha256:[0-9a-f]{64}) but failed because: .*digest did not match");

  /**
   * The blob a registry refused because its content does not match its digest (jib says so only
   * in its message): content jib took from its cache that is changed or corrupt.
   */
  static Optional<String> rejectedBlob(Throwable thrown) {
    for (Throwable e = thrown; e != null; e = e.getCause()) {
      Matcher matcher = REJECTED_BLOB.matcher(oneLine(e.getMessage()));
      if (matcher.find()) {
        return Optional.of(matcher.group(1));
      }
    }
    return Optional.empty();
  }

  private static String oneLine(String message) {
    return message == null ? "" : message.replaceAll("\\s+", " ").trim();
  }
}
