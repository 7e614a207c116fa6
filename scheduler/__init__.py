"""Time: periodic sweeps and deadline timers. The database holds the timers; APScheduler only triggers."""
