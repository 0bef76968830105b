from ppskit.cli import main

main()
