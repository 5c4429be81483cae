from jobshots.cli import main

main()
