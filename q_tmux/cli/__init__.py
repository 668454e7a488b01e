"""The command line: argv, options and printing; each command beside its code."""
