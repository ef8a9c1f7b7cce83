"""Developer scripts: benchmarks, translations, brand images and version bumps."""
