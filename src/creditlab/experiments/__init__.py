"""In-silico versions of published experiments, one package or file each."""
