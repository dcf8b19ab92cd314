"""The errors a command turns into an exit code; everything else a user causes is a Finding.

As with click's exceptions, the exit code and the word that opens the message live on the class,
so the CLI maps any `OpsmanualError` the same way and a new kind of error is one subclass here.
"""

from __future__ import annotations

from opsmanual.i18n import N_


class OpsmanualError(Exception):
    """The root of the errors a user can cause; the CLI prints `{label}: {message}`, the label
    translated (it is marked with `N_`)."""

    exit_code = 2
    label = N_("error")


class OpsError(OpsmanualError):
    """The command could not run (missing folder, bad revision, unreachable server): exit 2."""

    exit_code = 2
    label = N_("error")


class Refused(OpsmanualError):
    """The command was understood and refused (copy already out, folder not empty): exit 1."""

    exit_code = 1
    label = N_("refused")
