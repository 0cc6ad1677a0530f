# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python (gonv)
#     language: python
#     name: gonv
# ---

# %% [markdown]
# # Every printed allocation cell, recomputed: all agreement years
#
# This step recomputes every printed allocation column of every agreement from the rule the agreement states and the inputs it prints (exact arithmetic, every rounding convention an administration uses) and gives each printed cell a verdict. It runs once per batch; the per-year reports (`10_recompute_distributions`) read its tables instead of recomputing them.

# %% tags=["parameters", "no-output"]
years: list = []  # agreement years to reconcile (empty: every year the record holds)

# %% tags=["no-output"]
from IPython.display import Markdown, display

from helpers.analyses import reconcile
from helpers.record.record import load_record
from helpers.reports.derived import write_derived
from helpers.reports.format import headline, style_table

record = load_record()
for y in years:
    record.check_year(y)
cells, summary = reconcile.reconcile_all(record, years or None)

# %% [markdown]
# ## Verdicts per year
#
# **exact** — the stated rule reproduces the printed figure to the krona; **within rounding** — the stated rule's exact amount lies within the rounding bound of the printed figure; **stated rule fails** — the stated rule does not reproduce it and another rule does; **not reproducible** — nothing the printed inputs allow reproduces it.

# %%
per_year = cells.pivot_table(index='year', columns='verdict', values='published_sek', aggfunc='size', fill_value=0)
per_year = per_year.reindex(columns=list(reconcile.VERDICTS), fill_value=0).reset_index()
style_table(per_year, counts=list(reconcile.VERDICTS), caption='Printed cells per verdict and year')

# %%
printed_years = sorted(set(record.years) - set(cells['year']))
display(Markdown('Years that print no per-region or per-county allocation table, so nothing to reconcile: '
                 + (', '.join(map(str, printed_years)) or 'none') + '.'))

# %% [markdown]
# ## Save

# %%
write_derived(cells, 'reconciliation', params={'years': years},
              description='Every printed allocation cell, recomputed and given a verdict (kronor)')
write_derived(summary, 'reconciliation_summary', params={'years': years},
              description='Per printed column: cells per verdict, largest deviation, sums (kronor)')
headline({'printed cells': len(cells), **{v: int((cells['verdict'] == v).sum()) for v in reconcile.VERDICTS}})
