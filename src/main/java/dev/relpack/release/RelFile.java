package dev.relpack.release;

import dev.relpack.release.ErlangTerm.Atom;
import dev.relpack.release.ErlangTerm.ListTerm;
import dev.relpack.release.ErlangTerm.Tuple;
import java.util.ArrayList;
import java.util.List;

/**
 * The release resource file {@code releases/VSN/NAME.rel}:
 * {@code {release, {Name, Vsn}, {erts, ErtsVsn}, [{App, AppVsn} | {App, AppVsn, Type} | ...]}.}
 */
record RelFile(String name, String version, String ertsVersion, List<ReleaseApp> apps) {

  static RelFile parse(String text) throws TermSyntaxException {
    List<ErlangTerm> terms = ErlangTermReader.readAll(text);
    if (terms.size() != 1
        || !(terms.get(0) instanceof Tuple release)
        || !release.isTagged("release")
        || release.arity() != 4) {
      throw new TermSyntaxException("expected one {release, {Name, Vsn}, {erts, Vsn}, Apps} term");
    }
    String[] nameVsn = pair(release.get(1), "{Name, Vsn}");
    if (!(release.get(2) instanceof Tuple erts) || !erts.isTagged("erts") || erts.arity() != 2) {
      throw new TermSyntaxException("expected {erts, Vsn} as the third element");
    }
    String ertsVersion = text(erts.get(1), "the ERTS version");
    if (!(release.get(3) instanceof ListTerm appList)) {
      throw new TermSyntaxException("expected a list of applications as the fourth element");
    }
    List<ReleaseApp> apps = new ArrayList<>();
    for (ErlangTerm app : appList.elements()) {
      apps.add(app(app));
    }
    return new RelFile(nameVsn[0], nameVsn[1], ertsVersion, apps);
  }

  private static ReleaseApp app(ErlangTerm term) throws TermSyntaxException {
    // {App, Vsn}, {App, Vsn, Type}, {App, Vsn, IncApps} or {App, Vsn, Type, IncApps}
    if (term instanceof Tuple tuple
        && tuple.arity() >= 2
        && tuple.arity() <= 4
        && tuple.get(0) instanceof Atom app) {
      boolean started = !(tuple.arity() >= 3 && tuple.get(2) instanceof Atom type
          && (type.name().equals("load") || type.name().equals("none")));
      return new ReleaseApp(app.name(), text(tuple.get(1), "the version of " + app.name()),
          started);
    }
    throw new TermSyntaxException("expected {App, Vsn, ...} in the application list");
  }

  private static String[] pair(ErlangTerm term, String what) throws TermSyntaxException {
    if (term instanceof Tuple tuple && tuple.arity() == 2) {
      return new String[] {text(tuple.get(0), what), text(tuple.get(1), what)};
    }
    throw new TermSyntaxException("expected " + what);
  }

  private static String text(ErlangTerm term, String what) throws TermSyntaxException {
    return term.asText().filter(s -> !(term instanceof Atom))
        .orElseThrow(() -> new TermSyntaxException("expected a string for " + what));
  }
}
