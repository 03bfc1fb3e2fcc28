package dev.relpack.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * {@link PlainBuildLine} against picocli, which stays the definition of {@code build}'s command
 * line: the same options, and for any line read without picocli, the values picocli gives.
 */
class PlainBuildLineTest {
  private static final Context CONTEXT = new Context(Map.of(), Path.of("/home"),
      new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
      new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), false,
      Path.of("/"));

  /** An argument file, which picocli reads in place of an argument {@code @PATH}. */
  private static String argumentFile;

  @BeforeAll
  static void writeArgumentFile(@TempDir Path dir) throws IOException {
    argumentFile = "@" + Files.writeString(dir.resolve("args"), "--insecure\n");
  }

  @Test
  void itKnowsEveryOptionOfBuildAsPicocliDoes() {
    Map<String, String> expected = new TreeMap<>();
    for (OptionSpec option : picocliSpec().options()) {
      if (option.usageHelp() || option.versionHelp()) {
        continue;
      }
      String own = option.longestName();
      for (String name : option.names()) {
        expected.put(name, own);
      }
      assertEquals(option.arity().max() == 0, PlainBuildLine.isFlag(own), own + " is a flag");
      assertEquals(option.isMultiValue(), PlainBuildLine.REPEATABLE.contains(own),
          own + " may be repeated");
    }
    assertEquals(expected, new TreeMap<>(PlainBuildLine.names()));
  }

  @Test
  void eachOptionAloneIsReadAsPicocliReadsIt() {
    for (String name : PlainBuildLine.names().keySet()) {
      boolean flag = PlainBuildLine.isFlag(PlainBuildLine.names().get(name));
      for (String value : values(name)) {
        boolean plain = plainValues(name).contains(value);
        assertSameAsPicocli(flag ? List.of("build", name) : List.of("build", name, value), plain);
        if (name.startsWith("--") && !flag) {
          assertSameAsPicocli(List.of("build", name + "=" + value), plain);
        }
      }
    }
  }

  @Test
  void theBenchsAndReadmesLinesAreReadWithoutPicocli() {
    assertSameAsPicocli(List.of("build", "--release", "demo-0.1.0.tar.gz", "--from",
        "127.0.0.1:5000/base:1", "--to", "127.0.0.1:5000/r:1", "--cache-dir", "c", "--insecure",
        "-q"), true);
    assertSameAsPicocli(List.of("build", "--project-dir", ".", "--cache-dir", ".relpack-cache",
        "--dotenv", "relpack.env", "-p", "4000", "--sbom", "gl-sbom-relpack.cdx.json"), true);
    assertSameAsPicocli(List.of("build", "--release", "r", "-t", "a", "--tag=b", "-e", "K=V",
        "--env", "X=1=2", "--cache-from", "reg/x:prev", "--cache-from=reg/x:main",
        "--timeout", "30", "--progress", "plain", "-v"), true);
  }

  /** Lines made of options, odd values and odd arguments, mixed at random (seeded). */
  @Test
  void anyLineIsEitherReadAsPicocliReadsItOrLeftToPicocli() {
    List<String> words = new ArrayList<>(PlainBuildLine.names().keySet());
    words.addAll(List.of("--help", "-h", "-V", "--version", "-qv", "-tX", "-t=x", "--", "@args",
        "--unknown", "--from=", "--insecure=true", "--progress=AUTO", "x", "-x", "@x", "",
        "010", "0x10", "-1", "99999999999999999999", "a\0b", "plain", "none", "auto", "K=V",
        "reg/x:1", argumentFile));
    Random random = new Random(20261130);
    int read = 0;
    for (int line = 0; line < 3000; line++) {
      List<String> args = new ArrayList<>(List.of("build"));
      int length = random.nextInt(7);
      for (int i = 0; i < length; i++) {
        String word = words.get(random.nextInt(words.size()));
        args.add(word);
        if (PlainBuildLine.names().containsKey(word) && random.nextInt(4) > 0) {
          List<String> values = values(word);
          args.add(values.get(random.nextInt(values.size())));
        }
      }
      read += assertSameAsPicocli(args, false) ? 1 : 0;
    }
    assertTrue(read > 300, "only " + read + " of 3000 lines were read without picocli");
  }

  /** Values {@code name} takes that must be read without picocli. */
  private static List<String> plainValues(String name) {
    return switch (PlainBuildLine.names().get(name)) {
      case "--timeout" -> List.of("0", "30");
      case "--progress" -> List.of("auto", "plain", "none");
      default -> List.of("a", "dir/file.tar.gz", "reg.example:5000/g/p:1", "K=V=W", " spaced ",
          "ü");
    };
  }

  /** Those, and values picocli may read its own way or refuse. */
  private static List<String> values(String name) {
    List<String> values = new ArrayList<>(plainValues(name));
    values.addAll(switch (PlainBuildLine.names().get(name)) {
      case "--timeout" -> List.of("010", "0x1f", "+5", "1e3", "x", "99999999999999999999");
      case "--progress" -> List.of("Plain", "bar");
      default -> List.of("", "-", "-x", argumentFile, "a\0b");
    });
    return values;
  }

  /**
   * Whether the line was read without picocli. When it is, picocli must read it too, to the same
   * values; when {@code mustRead}, it must be.
   */
  private static boolean assertSameAsPicocli(List<String> args, boolean mustRead) {
    String[] line = args.toArray(String[]::new);
    Optional<BuildCommand> plain = PlainBuildLine.read(line, CONTEXT);
    if (mustRead) {
      assertTrue(plain.isPresent(), "not read without picocli: " + args);
    }
    if (plain.isEmpty()) {
      return false;
    }
    BuildCommand picocli = new BuildCommand(CONTEXT);
    try {
      new CommandLine(picocli).parseArgs(args.subList(1, args.size()).toArray(String[]::new));
    } catch (CommandLine.ParameterException e) {
      throw new AssertionError("read without picocli, but picocli refuses " + args + ": "
          + e.getMessage(), e);
    }
    assertEquals(options(picocli), options(plain.get()), String.valueOf(args));
    return true;
  }

  private static CommandLine.Model.CommandSpec picocliSpec() {
    return new CommandLine(new BuildCommand(CONTEXT)).getCommandSpec();
  }

  private static Map<String, Object> options(BuildCommand command) {
    Map<String, Object> values = new HashMap<>();
    for (Field field : BuildCommand.class.getDeclaredFields()) {
      if (field.isAnnotationPresent(CommandLine.Option.class)) {
        try {
          values.put(field.getName(), field.get(command));
        } catch (IllegalAccessException e) {
          throw new AssertionError(e);
        }
      }
    }
    return values;
  }
}
