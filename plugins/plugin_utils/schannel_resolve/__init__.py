"""schannel_resolve's job: the settings of a profile or template, checked once per run (settings.py), and the
role's variables as the run gives them, unknown or per-host ones refused (variables.py)."""
