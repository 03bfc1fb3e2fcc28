package dev.relpack.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@code relpack check --json} said: its exit status and the verdict object
 * ({@code base}, {@code fits}, {@code problems}, {@code warnings}; each problem with
 * {@code kind}, {@code missing}, {@code neededBy}, {@code package}, {@code message}).
 */
public record CheckReport(Command.Result result, JsonNode verdict) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Runs {@code check --release RELEASE --from BASE --json} and any further arguments. */
  public static CheckReport run(Relpack relpack, String release, String from, String... more) {
    List<String> args = new ArrayList<>(List.of("check", "--release", release, "--from", from, "--json"));
    args.addAll(List.of(more));
    Command.Result result = relpack.run(args);
    try {
      return new CheckReport(result, JSON.readTree(result.stdout()));
    } catch (IOException e) {
      throw new AssertionError("check --json printed no JSON object (exit " + result.exitCode()
          + "): " + result.stdout() + "\nstderr: " + result.stderr(), e);
    }
  }

  public int exitCode() {
    return result.exitCode();
  }

  public List<JsonNode> problems() {
    return list("problems");
  }

  public List<JsonNode> warnings() {
    return list("warnings");
  }

  /** The one problem there is; fails, showing the verdict, if there are none or several. */
  public JsonNode onlyProblem() {
    List<JsonNode> problems = problems();
    if (problems.size() != 1) {
      throw new AssertionError("expected exactly one problem: " + this);
    }
    return problems.get(0);
  }

  /** The strings of a problem's {@code neededBy}. */
  public static List<String> neededBy(JsonNode problem) {
    List<String> who = new ArrayList<>();
    problem.path("neededBy").forEach(n -> who.add(n.asText()));
    return who;
  }

  private List<JsonNode> list(String field) {
    if (!verdict.path(field).isArray()) {
      throw new AssertionError("no \"" + field + "\" array in " + this);
    }
    List<JsonNode> nodes = new ArrayList<>();
    verdict.path(field).forEach(nodes::add);
    return nodes;
  }

  @Override
  public String toString() {
    return "exit " + result.exitCode() + ": " + verdict.toPrettyString() + "\nstderr: " + result.stderr();
  }
}
