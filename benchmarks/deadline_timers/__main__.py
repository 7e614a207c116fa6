"""`python -m benchmarks.deadline_timers`: the package's command line."""

from benchmarks.deadline_timers import main

main()
