"""One module per ``nnviz-gl`` subcommand: ``add_parser(sub)`` and ``run(args)``."""
