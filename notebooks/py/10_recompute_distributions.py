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
# Each agreement states how its pots are split (population share on a reference date, recipients of municipal health care, a mix of the two, a care-need index key, a base amount per region plus a population share) and prints the result. This report shows, for one year, how every printed allocation column compares with its stated rule (recomputed once for all years by `05_reconcile_record`), and the year's distribution per region — estimated, and labelled so, where the agreement prints no table but its key can be formed.

# %% tags=["parameters", "no-output"]
year: int = 2021  # agreement year to show (any year in data/raw/rules/allocation_rules.csv)

# %%
from IPython.display import Markdown, display

from helpers.analyses import distributions, reconcile
from helpers.record.record import load_record
from helpers.reports import plots
from helpers.reports.derived import read_derived, write_derived
from helpers.reports.format import headline, kr, style_table

record = load_record()
rules = record.year_rules(year)
display(Markdown(f'## Agreement year {year}: {kr(rules.amount_sek.sum())} kr in {len(rules)} pots'))

# %% [markdown]
# ## The pots and the rules the agreement states

# %%
style_table(rules[['pot_id', 'amount_sek', 'amount_basis', 'recipient', 'key', 'base_amount_sek', 'key_reference_date', 'stated_in', 'note']]
            .assign(key_reference_date=lambda d: d['key_reference_date'].dt.strftime('%Y-%m-%d')),
            kronor=['amount_sek', 'base_amount_sek'])

# %% [markdown]
# ## Reconciliation, cell by cell
#
# Verdicts: **exact** — the stated rule reproduces the printed figure to the krona; **within rounding** — the stated rule's exact amount lies within the rounding bound of the printed figure; **stated rule fails** — the stated rule does not reproduce it and another rule does (named below); **not reproducible** — nothing the printed inputs allow reproduces it.

# %%
all_cells = read_derived('reconciliation')
all_summary = read_derived('reconciliation_summary')
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
if len(summary):
    display(style_table(summary[['table', 'column', 'cells', 'exact', 'within_rounding', 'stated_rule_fails', 'not_reproducible',
                                 'max_abs_deviation_sek', 'printed_total_sek', 'sum_published_sek', 'sum_recomputed_sek', 'rounding']],
                        kronor=['max_abs_deviation_sek', 'printed_total_sek', 'sum_published_sek', 'sum_recomputed_sek'],
                        caption='Per column: cells matching, largest deviation, and the column sum against the printed total'))

# %%
mismatches = cells[cells['verdict'] != 'exact']
display(Markdown(f'**{len(mismatches)} printed cell(s) not reproduced exactly by the stated rule.**'))
if len(mismatches):
    display(style_table(mismatches[['table', 'column', 'region', 'published_sek', 'recomputed_sek', 'deviation_sek', 'verdict', 'rule']],
                        kronor=['published_sek', 'recomputed_sek', 'deviation_sek']))

# %%
character = reconcile.characterise(record, cells)
if len(character):
    display(Markdown('**What the not-reproducible columns correlate with** (share of the money against each printed key):'))
    display(style_table(character, decimals={'correlation': 3, 'min_ratio_to_key_share': 2, 'max_ratio_to_key_share': 2}))

# %% [markdown]
# ## The distribution across regions
#
# Amounts per region and recipient group, per inhabitant of the population the year's key uses, and each region's share of the money against its share of the population.

# %%
dist = distributions.distribution(record, year)
estimated = bool(dist['estimate'].any())
if estimated:
    display(Markdown('> **ESTIMATE.** Some amounts below rest on a key that is not in the record; '
                     'the section *Keys the agreement does not print* says how, and each amount carries its bound.'))
if dist.empty:
    display(Markdown(f'The {year} agreement as the record holds it prints no per-region or per-county table and states no key '
                     'the record can apply, so there is no distribution to show for this year.'))
else:
    totals = distributions.per_region_totals(dist)
    display(style_table(totals[['group', 'region', 'amount_sek', 'error_bound_sek', 'key_population', 'per_capita_sek', 'amount_share', 'population_share', 'share_ratio']],
                        kronor=['amount_sek', 'error_bound_sek'], counts=['key_population'], shares=['amount_share', 'population_share'],
                        decimals={'per_capita_sek': 2, 'share_ratio': 3}, caption=f'Per region, {year} (kronor; per capita in kronor per inhabitant; error bound 0 where printed)'))

# %%
if not dist.empty:
    for group, grp in totals.groupby('group'):
        if grp['per_capita_sek'].notna().any():
            plots.show(plots.per_capita_bars(grp, f'{year}: {group}, kronor per inhabitant', estimate=estimated))
    if totals['population_share'].notna().any():
        plots.show(plots.share_scatter(totals, f'{year}: share of the money against share of the population'))

# %% [markdown]
# ## Keys the agreement does not print

# %%
unprinted = distributions.unprinted_keys(record, year)
for key in unprinted:
    display(Markdown(distributions.describe_key(key, dist)))
    shown = key.frame
    display(style_table(shown.drop(columns=['county_code']).assign(basis=key.basis),
                        counts=[c for c in ('population', 'bound_population') if c in shown], shares=['share'],
                        caption=f'The key of {key.label}, per region ({key.basis})'))
if not unprinted:
    display(Markdown('Every key this year uses is printed (or the agreement states none).'))

# %% [markdown]
# ## Save

# %%
write_derived(dist, f'distribution_{year}', params={'year': year}, estimate=estimated,
              description=f'Per-region amounts, key population, per-capita amounts and shares, {year}' + (' (ESTIMATE)' if estimated else ''))
headline({'printed cells': len(cells), **{v: int(n) for v, n in zip(counts['verdict'], counts['cells'])},
          'estimate': estimated})

# %% [markdown]
# ## What to conclude
#
# Read the verdict counts first: *exact* and *within rounding* cells are the agreement doing what it says. A column whose verdict is *stated rule fails* was distributed by another rule than the text states — the rule that reproduces it is named, and that is a finding to report. *Not reproducible* means the printed inputs do not determine the column: the amounts rest on data the agreement does not publish. Per-capita differences between regions follow from the keys: under a pure population key every region gets the same amount per inhabitant, so any spread comes from the other keys (care-need index, municipal-care recipients, base amounts).
