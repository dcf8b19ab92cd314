from opsmanual.cli import main

main()
