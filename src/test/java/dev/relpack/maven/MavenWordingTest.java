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
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import picocli.CommandLine.Option;

class MavenWordingTest {
  /** The CLI's options that are about its own terminal, not the build. */
  private static final Set<String> CLI_ONLY = Set.of("progress", "quiet", "verbose", "help",
      "version");

  @Test
  void optionsBecomeTheGoalsParameters() {
    assertEquals("<to> registry.example.com/app: give a reference; if it has a private CA pass"
        + " <registryCas> FILE, else <insecure>",
        MavenWording.of("--to registry.example.com/app: give a reference; if it has a private CA"
            + " pass --registry-ca FILE, else --insecure"));
  }

  @Test
  void whatIsNotAnOptionOfTheGoalStaysAsItIs() {
    assertEquals("run with -v or --progress plain; a-b--to stays; --to-be is not an option",
        MavenWording.of("run with -v or --progress plain; a-b--to stays; --to-be is not an option"));
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
    assertEquals(cli, new TreeSet<>(MavenWording.parameters().keySet()), "every option is worded");

    // the goal's parameters as Maven sees them: the descriptor generated from the annotations
    Set<String> goal = new TreeSet<>();
    try (InputStream in = getClass().getResourceAsStream("/META-INF/maven/plugin.xml")) {
      NodeList parameters = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(in)
          .getElementsByTagName("parameter");
      for (int i = 0; i < parameters.getLength(); i++) {
        Element parameter = (Element) parameters.item(i);
        String name = parameter.getElementsByTagName("name").item(0).getTextContent();
        if (parameter.getElementsByTagName("editable").item(0).getTextContent().equals("true")
            && !name.equals("skip")) {
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
  void everyOptionACoreMessageNamesHasTheGoalsWordForIt() throws Exception {
    Pattern literal = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"");
    Pattern option = Pattern.compile("(?<![\\w-])--([a-z][a-z-]*[a-z])");
    Set<String> unworded = new TreeSet<>();
    try (Stream<Path> files = Files.walk(Path.of("src/main/java/dev/relpack"))) {
      for (Path file : files.filter(f -> f.toString().endsWith(".java"))
          .filter(f -> !f.startsWith("src/main/java/dev/relpack/cli")
              && !f.startsWith("src/main/java/dev/relpack/maven")).toList()) {
        Matcher strings = literal.matcher(Files.readString(file));
        while (strings.find()) {
          Matcher named = option.matcher(strings.group());
          while (named.find()) {
            String name = named.group(1);
            if (!MavenWording.parameters().containsKey(name) && !NOT_OURS.contains(name)) {
              unworded.add(file.getFileName() + ": --" + name);
            }
          }
        }
      }
    }
    assertEquals(Set.of(), unworded, "a message names an option the goal would not reword");
  }
}
