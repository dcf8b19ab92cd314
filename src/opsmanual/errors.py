"""The two exceptions the CLI turns into exit codes; everything else a user causes is a Finding."""

from __future__ import annotations


class OpsError(Exception):
    """The command could not run (missing folder, bad revision, unreachable server): exit 2."""


class Refused(Exception):
    """The command was understood and refused (copy already out, folder not empty): exit 1."""
