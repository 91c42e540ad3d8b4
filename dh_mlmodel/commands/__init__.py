"""One module per `mlmodel` subcommand: HELP, add_arguments(parser), run(args) -> int."""
