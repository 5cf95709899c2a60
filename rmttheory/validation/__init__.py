"""Theory-versus-simulation experiments for rmttheory (sampling, comparison, reports)."""
