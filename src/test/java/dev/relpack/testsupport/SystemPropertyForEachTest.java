package dev.relpack.testsupport;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Sets a system property to a value of the test's before each test and puts back what the JVM
 * had after it, so a test of code that must restore a JVM-wide property starts from a known
 * value and leaves the JVM as it found it. Use with {@code @RegisterExtension}.
 */
public final class SystemPropertyForEachTest implements BeforeEachCallback, AfterEachCallback {
  private final String name;
  private final String value;
  private String outside;

  public SystemPropertyForEachTest(String name, String value) {
    this.name = name;
    this.value = value;
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    outside = System.getProperty(name);
    System.setProperty(name, value);
  }

  @Override
  public void afterEach(ExtensionContext context) {
    if (outside == null) {
      System.clearProperty(name);
    } else {
      System.setProperty(name, outside);
    }
  }
}
