package dev.relpack.registry;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RegistryHostsTest {

  @ParameterizedTest
  @ValueSource(strings = {"localhost", "localhost:5000", "LocalHost:5000", "127.0.0.1",
      "127.0.0.1:5000", "127.1.2.3:443", "[::1]", "[::1]:5000"})
  void loopbackNamesAndAddresses(String registry) {
    assertTrue(RegistryHosts.isLoopback(registry), registry);
  }

  @ParameterizedTest
  @ValueSource(strings = {"registry.example.com", "registry.example.com:5000", "localhost.example.com",
      "my-localhost:5000", "10.0.0.1:5000", "128.0.0.1", "0.0.0.0:5000", "[::2]:5000", "[fe80::1]",
      "registry-1.docker.io", "1127.0.0.1:5000"})
  void everythingElseIsNot(String registry) {
    assertFalse(RegistryHosts.isLoopback(registry), registry);
  }

  @Test
  void aDnsNameThatStartsWith127IsNotLoopback() {
    assertFalse(RegistryHosts.isLoopback("127.registry.example.com:5000"));
    assertFalse(RegistryHosts.isLoopback("127.0.0.1.example.com"));
  }
}
