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

# %%

# %% tags=["parameters", "no-output"]
years: list = []  # agreement years to reconcile (empty: every year the record holds)
language: str = "sv"  # language of the report: sv (Swedish) or en (English)

# %% tags=["no-output"]
# Every printed allocation cell, recomputed from the stated rule: all agreement years, once per batch.
from IPython.display import Markdown, display

from helpers.analyses import reconcile
from helpers.record.record import load_record
from helpers.reports import views
from helpers.reports.derived import write_derived
from helpers.reports.format import headline
from helpers.reports.i18n import catalogue

cat = catalogue(language)
record = load_record()
for y in years:
    record.check_year(y)
cells, summary = reconcile.reconcile_all(record, years or None)

# %%
display(Markdown(cat.t('nb05.title') + '\n\n' + cat.t('nb05.intro') + '\n\n' + cat.t('nb05.verdicts')))

# %%
# Printed cells per verdict and year
per_year = cells.pivot_table(index='year', columns='verdict', values='published_sek', aggfunc='size', fill_value=0)
per_year = per_year.reindex(columns=list(reconcile.VERDICTS), fill_value=0).reset_index()
views.show_table(per_year, language, empty=cat.t('reconcile.none'), counts=list(reconcile.VERDICTS),
                 caption=cat.t('nb05.per_year_caption'))

# %%
unprinted_years = sorted(set(record.years) - set(cells['year']))
display(Markdown(cat.t('nb05.unprinted', years=', '.join(map(str, unprinted_years)) or cat.t('common.none'))))

# %% tags=["no-output"]
# Save: every cell and the per-column summary (the writer adds the provenance sidecar)
saved = write_derived(cells, 'reconciliation', params={'years': years},
                      description='Every printed allocation cell, recomputed and given a verdict (kronor)')
saved_summary = write_derived(summary, 'reconciliation_summary', params={'years': years},
                              description='Per printed column: cells per verdict, largest deviation, sums (kronor)')

# %%
headline({cat.t('nb05.h_cells'): len(cells),
          **{cat.t('nb05.h_verdict', verdict=cat.value('verdicts', v)): int((cells['verdict'] == v).sum()) for v in reconcile.VERDICTS}},
         language=language)
