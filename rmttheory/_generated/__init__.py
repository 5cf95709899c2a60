"""Code generated from the symbolic engine and shipped, so that no process repeats
the derivation (see :func:`rmttheory.codegen.numeric_expressions`)."""
