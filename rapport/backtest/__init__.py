"""``rapport backtest``: would the typology have seen it coming?

Replays the models as of a past cut on today's warehouse, reads what every
account did over the following horizon, and scores the typology's strength
against a buy-till-you-die baseline (BG/NBD) fitted on the same past.

* ``replay``: the marts rebuilt as of a date, in their own schema.
* ``outcomes``: what accounts did after the cut, from the staged CRM records.
* ``bgnbd``: the baseline; ``metrics``: ROC AUC and DeLong's paired difference.
* ``figures``: the figures, one row each; ``tables``: arranged as people read
  them; ``results``: stored and printed. The report's section is
  ``rapport.report_backtest``.
"""

from rapport.backtest.run import BacktestRun, run_backtest

__all__ = ["BacktestRun", "run_backtest"]
