package dev.relpack.maven;

import dev.relpack.auth.RegistryLogin;
import dev.relpack.engine.Reporter;
import java.util.ArrayList;
import java.util.List;
import org.apache.maven.settings.Server;
import org.apache.maven.settings.Settings;
import org.apache.maven.settings.building.SettingsProblem;
import org.apache.maven.settings.crypto.DefaultSettingsDecryptionRequest;
import org.apache.maven.settings.crypto.SettingsDecrypter;
import org.apache.maven.settings.crypto.SettingsDecryptionResult;

/**
 * Registry logins from {@code settings.xml}: a {@code <server>} whose {@code <id>} is a
 * registry's host (with its port, if it has one), its password decrypted the way Maven decrypts
 * every other (settings-security.xml). The engine tries them after its own sources.
 */
final class SettingsLogins {
  private SettingsLogins() {}

  static List<RegistryLogin> of(Settings settings, SettingsDecrypter decrypter, Reporter reporter) {
    List<RegistryLogin> logins = new ArrayList<>();
    if (settings == null) {
      return logins;
    }
    for (Server server : settings.getServers()) {
      if (server.getUsername() == null || server.getPassword() == null) {
        continue;
      }
      Server decrypted = decrypt(server, decrypter, reporter);
      logins.add(new RegistryLogin(server.getId(), decrypted.getUsername(),
          decrypted.getPassword(), "Maven settings.xml <server> " + server.getId()));
    }
    return logins;
  }

  private static Server decrypt(Server server, SettingsDecrypter decrypter, Reporter reporter) {
    if (decrypter == null) {
      return server;
    }
    SettingsDecryptionResult result =
        decrypter.decrypt(new DefaultSettingsDecryptionRequest(server));
    for (SettingsProblem problem : result.getProblems()) {
      // most servers are not registries: say it only where details are wanted, and never the
      // problem's text, which may quote what failed to decrypt
      reporter.debug("settings.xml <server> " + server.getId() + " cannot be decrypted ("
          + problem.getSeverity() + ")");
    }
    return result.getServer() != null ? result.getServer() : server;
  }
}
