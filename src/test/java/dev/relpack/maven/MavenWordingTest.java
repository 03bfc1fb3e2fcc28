package dev.relpack.maven;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.lang.reflect.Field;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import dev.relpack.error.Input;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import picocli.CommandLine.Option;

class MavenWordingTest {
  /** The CLI's options that are about its own terminal, not the build. */
  private static final Set<String> CLI_ONLY = Set.of("progress", "quiet", "verbose", "help",
      "version");

  @Test
  void inputsBecomeTheGoalsParameters() {
    assertEquals("<to> registry.example.com/app: give a reference; if it has a private CA pass"
        + " <registryCas> FILE, else <insecure>",
        MavenWording.of(Input.TO + " registry.example.com/app: give a reference; if it has a"
            + " private CA pass " + Input.REGISTRY_CA + " FILE, else " + Input.INSECURE));
  }

  @Test
  void whatIsNotAnInputStaysAsItIs() {
    assertEquals("{init terminating in do_boot} {tos} --to -v",
        MavenWording.of("{init terminating in do_boot} {tos} --to -v"));
  }

  @Test
  void everyBuildOptionOfTheCliIsAParameterOfTheGoalAndBackAgain() throws Exception {
    Set<String> cli = new TreeSet<>();
    for (Field field : Class.forName("dev.relpack.cli.BuildCommand").getDeclaredFields()) {
      Option option = field.getAnnotation(Option.class);
      if (option != null) {
        Arrays.stream(option.names()).filter(n -> n.startsWith("--"))
            .map(n -> n.substring(2)).filter(n -> !CLI_ONLY.contains(n)).forEach(cli::add);
      }
    }
    assertEquals(cli, new TreeSet<>(MavenWording.parameters().keySet().stream().map(Input::key)
        .toList()), "every option of the CLI is an input the goal has a word for");

    // the goal's parameters as Maven sees them: the descriptor generated from the annotations
    Set<String> goal = new TreeSet<>();
    try (InputStream in = getClass().getResourceAsStream("/META-INF/maven/plugin.xml")) {
      NodeList parameters = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(in)
          .getElementsByTagName("parameter");
      for (int i = 0; i < parameters.getLength(); i++) {
        Element parameter = (Element) parameters.item(i);
        String name = parameter.getElementsByTagName("name").item(0).getTextContent();
        // env and label are the list forms of environment and labels, for -Drelpack.env=...
        if (parameter.getElementsByTagName("editable").item(0).getTextContent().equals("true")
            && !Set.of("skip", "env", "label").contains(name)) {
          goal.add(name);
        }
      }
    }
    assertEquals(goal, new TreeSet<>(MavenWording.parameters().values()),
        "every parameter of the goal is an option of the CLI");
  }

  /** Arguments of other programs (mix's --only, env's --unset) that messages do not name. */
  private static final Set<String> NOT_OURS = Set.of("only", "overwrite", "unset", "chdir");

  @Test
  void theCoreNamesInputsNotOptionsAndOnlyInputsThereAre() throws Exception {
    Pattern literal = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"");
    // long options (--to) and the short ones of the CLI (-e, -l, -p, -t, -q, -v) at a word's start
    Pattern option = Pattern.compile("(?<![\\w-])(?:--([a-z][a-z-]*[a-z])|-([elptqv])\\b)");
    Pattern placeholder = Pattern.compile("\\{([a-z][a-z-]*[a-z])\\}");
    Set<String> keys = new TreeSet<>();
    for (Input input : Input.values()) {
      keys.add(input.key());
    }
    Set<String> wrong = new TreeSet<>();
    try (Stream<Path> files = Files.walk(Path.of("src/main/java/dev/relpack"))) {
      for (Path file : files.filter(f -> f.toString().endsWith(".java"))
          .filter(f -> !f.startsWith("src/main/java/dev/relpack/cli")
              && !f.startsWith("src/main/java/dev/relpack/maven")).toList()) {
        Matcher strings = literal.matcher(Files.readString(file));
        while (strings.find()) {
          Matcher spelled = option.matcher(strings.group());
          while (spelled.find()) {
            if (spelled.group(1) == null || !NOT_OURS.contains(spelled.group(1))) {
              wrong.add(file.getFileName() + " spells " + spelled.group());
            }
          }
          Matcher named = placeholder.matcher(strings.group());
          while (named.find()) {
            if (!keys.contains(named.group(1))) {
              wrong.add(file.getFileName() + " names no input: " + named.group());
            }
          }
        }
      }
    }
    assertEquals(Set.of(), wrong, "core messages name inputs ({to}), which front ends word");
  }
}
