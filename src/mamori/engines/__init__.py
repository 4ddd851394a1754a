"""Framework-free engines: plain data in, plain data out. See README.md beside this file."""
