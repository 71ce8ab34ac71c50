from cdeops.cli.app import main

main()
