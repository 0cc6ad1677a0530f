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
# # Were the funds distributed the way the agreement says?
#
# Each agreement states how its pots are split (population share on a reference date, recipients of municipal health care, a mix of the two, a care-need index key, a base amount per region plus a population share) and prints the result. This report recomputes every printed allocation column from the stated rule and the printed inputs, with exact arithmetic and under every rounding convention an administration uses, and reconciles it cell by cell. Where the stated rule fails, it searches the alternatives the printed inputs allow and says which, if any, reproduces the print.

# %% tags=["parameters", "no-output"]
year: int = 2021  # agreement year to recompute: 2017, 2019, 2020 or 2021

# %%
from IPython.display import Markdown, display

from helpers import distributions, plots, reconcile, views
from helpers.io import write_derived
from helpers.load import load_table
from helpers.paths import RAW
from helpers.report import headline, kr, pct, style_table

views.check_year(year)
rules = load_table('allocation_rules')
rules = rules[rules['year'] == year]
display(Markdown(f'## Agreement year {year}: {kr(rules.amount_sek.sum())} kr in {len(rules)} pots'))

# %% [markdown]
# ## The pots and the rules the agreement states

# %%
style_table(rules[['pot_id', 'amount_sek', 'recipient', 'key', 'base_amount_sek', 'key_reference_date', 'stated_in', 'note']]
            .assign(key_reference_date=lambda d: d['key_reference_date'].dt.strftime('%Y-%m-%d')),
            kronor=['amount_sek', 'base_amount_sek'])

# %% [markdown]
# ## Reconciliation, cell by cell
#
# Verdicts: **exact** — the stated rule reproduces the printed figure to the krona; **within rounding** — the stated rule's exact amount lies within the rounding bound of the printed figure; **stated rule fails** — the stated rule does not reproduce it and another rule does (named below); **not reproducible** — nothing the printed inputs allow reproduces it.

# %%
all_cells, all_summary = reconcile.reconcile_all()
cells = all_cells[all_cells['year'] == year]
summary = all_summary[all_summary['year'] == year]
counts = reconcile.verdict_counts(cells)
style_table(counts, counts=['cells'], caption=f'Printed cells per verdict, {year}')

# %%
display(Markdown(reconcile.describe(summary)))
if len(summary):
    fig = plots.verdict_bars(summary, f'Printed cells per verdict and column, {year}')
    plots.show(fig)

# %%
style_table(summary[['table', 'column', 'cells', 'exact', 'within_rounding', 'stated_rule_fails', 'not_reproducible',
                      'max_abs_deviation_sek', 'printed_total_sek', 'sum_published_sek', 'sum_recomputed_sek', 'rounding']],
            kronor=['max_abs_deviation_sek', 'printed_total_sek', 'sum_published_sek', 'sum_recomputed_sek'],
            caption='Per column: cells matching, largest deviation, and the column sum against the printed total')

# %%
mismatches = cells[cells['verdict'] != 'exact']
display(Markdown(f'**{len(mismatches)} printed cell(s) not reproduced exactly by the stated rule.**'))
style_table(mismatches[['table', 'column', 'region', 'published_sek', 'recomputed_sek', 'deviation_sek', 'verdict', 'rule']],
            kronor=['published_sek', 'recomputed_sek', 'deviation_sek'])

# %%
character = reconcile.characterise(cells)
if len(character):
    display(Markdown('**What the not-reproducible columns correlate with** (share of the money against each printed key):'))
    display(style_table(character, decimals={'correlation': 3, 'min_ratio_to_key_share': 2, 'max_ratio_to_key_share': 2}))

# %% [markdown]
# ## The distribution across regions
#
# Amounts per region and recipient, per inhabitant of the population the year's key uses, and each region's share of the money against its share of the population.

# %%
dist = distributions.distribution(year)
totals = distributions.per_region_totals(dist)
estimated = bool(dist['estimate'].any())
if estimated:
    display(Markdown('> **ESTIMATE.** The 2019 agreement prints no per-region table and its key (population on '
                     '1 Nov 2018) is not at hand per county. These amounts are computed from an *estimated* key; '
                     'see the error bound below. Drop SCB\'s end-of-October 2018 county table into '
                     '`data/raw/scb_county_population_2018_10_31.csv` for exact figures.'))
style_table(totals[['recipient', 'region', 'amount_sek', 'key_population', 'per_capita_sek', 'amount_share', 'population_share', 'share_ratio']],
            kronor=['amount_sek'], counts=['key_population'], shares=['amount_share', 'population_share'],
            decimals={'per_capita_sek': 2, 'share_ratio': 3}, caption=f'Per region, {year} (kronor; per capita in kronor per inhabitant)')

# %%
for recipient, grp in totals.groupby('recipient'):
    if grp['per_capita_sek'].notna().any():
        fig = plots.per_capita_bars(grp, f'{year}: {recipient}, kronor per inhabitant', estimate=estimated)
        plots.show(fig)
if totals['population_share'].notna().any():
    fig = plots.share_scatter(totals, f'{year}: share of the money against share of the population')
    plots.show(fig)

# %% [markdown]
# ## Keys the agreement does not print

# %%
if year == 2017:
    implied = distributions.implied_key_2017()
    display(Markdown(f"The 1 Nov 2016 population is not printed. The shares each table implies agree within the "
                     f"rounding bound in **{int(implied['same_key'].sum())} of {len(implied)}** regions: both tables "
                     f"{'use the same key' if implied['same_key'].all() else 'do NOT use the same key'}."))
    display(style_table(implied, shares=['share_tabell1', 'share_tabell2'], decimals={'share_gap': 12, 'rounding_bound': 12}))
elif year == 2019:
    est = distributions.estimate_2019()
    tot = est[est['pot_id'] == 'total_regions']
    display(Markdown(distributions.describe_estimate_2019()))
    display(style_table(tot.drop(columns=['pot_id']), kronor=[c for c in ('amount_sek', 'error_bound_sek') if c in tot],
                        counts=['population']))
else:
    display(Markdown('Every key this year is printed.'))

# %% [markdown]
# ## Save

# %%
inputs = [RAW / 'rules' / 'allocation_rules.csv', RAW / 'rules' / 'printed_columns.csv'] + sorted(RAW.glob(f'{year}_*.csv'))
write_derived(all_cells.rename(columns={'county_code': 'region_code'}), 'reconciliation', inputs=sorted(RAW.glob('*.csv')) + inputs[:2], params={},
              description='Every printed allocation cell, recomputed and given a verdict')
write_derived(all_summary, 'reconciliation_summary', inputs=sorted(RAW.glob('*.csv')) + inputs[:2], params={},
              description='Per printed column: cells per verdict, largest deviation, sums')
write_derived(dist, f'distribution_{year}', inputs=inputs, params={'year': year}, estimate=estimated,
              description=f'Per-region amounts, per-capita amounts and shares, {year}' + (' (ESTIMATE)' if estimated else ''))
headline({'printed cells': len(cells), **{v: int(n) for v, n in zip(counts['verdict'], counts['cells'])},
          'estimate': estimated})

# %% [markdown]
# ## What to conclude
#
# Read the verdict counts first: *exact* and *within rounding* cells are the agreement doing what it says. A column whose verdict is *stated rule fails* was distributed by another rule than the text states — the rule that reproduces it is named, and that is a finding to report. *Not reproducible* means the printed inputs do not determine the column: the amounts rest on data the agreement does not publish. Per-capita differences between regions follow from the keys: under a pure population key every region gets the same amount per inhabitant, so any spread comes from the other keys (care-need index, municipal-care recipients, base amounts).
