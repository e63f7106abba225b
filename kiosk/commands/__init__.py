"""One module per `kiosk` subcommand; each has main(args) -> exit status."""
