package dev.relpack.release;

import java.math.BigInteger;
import java.util.List;
import java.util.Optional;

/** The subset of Erlang terms that release metadata files (`NAME.rel`, `RELEASES`) are made of. */
public sealed interface ErlangTerm {

  record Atom(String name) implements ErlangTerm {}

  /** A double-quoted string (a charlist in Erlang). */
  record Text(String value) implements ErlangTerm {}

  /** A binary written as {@code <<"...">>}. */
  record Binary(String value) implements ErlangTerm {}

  record Int(BigInteger value) implements ErlangTerm {}

  record Tuple(List<ErlangTerm> elements) implements ErlangTerm {
    public Tuple {
      elements = List.copyOf(elements);
    }

    public int arity() {
      return elements.size();
    }

    public ErlangTerm get(int index) {
      return elements.get(index);
    }

    /** True when this is a tuple whose first element is the atom {@code tag}. */
    public boolean isTagged(String tag) {
      // not equals(new Atom(tag)): a record's first equals links its method handles (~15 ms)
      return !elements.isEmpty() && elements.get(0) instanceof Atom atom && atom.name().equals(tag);
    }
  }

  record ListTerm(List<ErlangTerm> elements) implements ErlangTerm {
    public ListTerm {
      elements = List.copyOf(elements);
    }
  }

  /** The text of a string, binary or atom term, if this is one. */
  default Optional<String> asText() {
    if (this instanceof Text text) {
      return Optional.of(text.value());
    }
    if (this instanceof Binary binary) {
      return Optional.of(binary.value());
    }
    if (this instanceof Atom atom) {
      return Optional.of(atom.name());
    }
    return Optional.empty();
  }
}
