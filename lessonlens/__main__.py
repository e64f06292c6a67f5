from lessonlens.cli import main

main()
