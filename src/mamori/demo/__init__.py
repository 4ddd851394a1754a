"""The demo hospital: a deterministic generator (plain data, no Django) and its database loader."""
