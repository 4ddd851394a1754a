"""Backup assurance: jobs per protected system, their copies, verification of their snapshots, restore drills."""
