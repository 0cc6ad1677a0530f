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
year: int = 2021  # agreement year to show (any year in data/raw/rules/allocation_rules.csv)
language: str = "sv"  # language of the report: sv (Swedish) or en (English)

# %%
# Were the funds distributed the way the agreement says? One year: the reconciliation and the distribution.
from IPython.display import Markdown, display

from helpers.analyses import distributions, reconcile
from helpers.record.record import load_record
from helpers.reports import keytext, plots, views
from helpers.reports.derived import read_derived, write_derived
from helpers.reports.format import headline, money
from helpers.reports.i18n import catalogue

cat = catalogue(language)
record = load_record()
rules = record.year_rules(year)
display(Markdown(cat.md('nb10.title', year=year) + '\n\n' + cat.t('nb10.intro') + '\n\n'
                 + cat.md('nb10.year_total', year=year, amount=money(rules.amount_sek.sum(), language), pots=len(rules))))

# %%
# The pots and the rules the agreement states
display(Markdown(cat.t('nb10.pots')))
views.show_table(views.rules_view(record, rules, language), language, empty=cat.t('nb10.no_pots'),
                 kronor=['amount_sek', 'base_amount_sek'], dates=['key_reference_date'])

# %%
# Reconciliation, cell by cell (computed once for all years by 05_reconcile_record)
all_cells = read_derived('reconciliation')
all_summary = read_derived('reconciliation_summary')
cells = all_cells[all_cells['year'] == year]
summary = all_summary[all_summary['year'] == year]
counts = reconcile.verdict_counts(cells)
display(Markdown(cat.t('nb10.reconciliation') + '\n\n' + cat.t('nb05.verdicts')))
if len(cells):
    views.show_table(counts.assign(verdict=[cat.value('verdicts', v) for v in counts['verdict']]), language,
                     empty='', counts=['cells'], caption=cat.t('nb10.counts_caption', year=year))

# %%
display(Markdown(views.describe_reconciliation(record, summary, language)))
if len(summary):
    plots.show(plots.verdict_bars(views.reconciliation_view(record, summary, language), cat.t('plots.verdicts_title', year=year),
                                  language=language), language)

# %%
views.show_table(views.reconciliation_view(record, summary[['table', 'column', 'cells', 'exact', 'within_rounding', 'stated_rule_fails',
                                                             'not_reproducible', 'max_abs_deviation_sek', 'printed_total_sek',
                                                             'sum_published_sek', 'sum_recomputed_sek', 'rounding']], language),
                 language, empty=None,  # the sentence above says why there is none
                 kronor=['max_abs_deviation_sek', 'printed_total_sek', 'sum_published_sek', 'sum_recomputed_sek'],
                 caption=cat.t('nb10.columns_caption'))

# %%
mismatches = cells[cells['verdict'] != 'exact'].sort_values(['table', 'column', 'county_code'])
if len(cells):
    display(Markdown(cat.md('nb10.n_mismatches', n=len(mismatches))))
    views.show_table(views.reconciliation_view(record, mismatches[['table', 'column', 'region', 'published_sek', 'recomputed_sek',
                                                                   'deviation_sek', 'verdict', 'rule']], language),
                     language, empty=cat.t('nb10.all_exact'), kronor=['published_sek', 'recomputed_sek', 'deviation_sek'])

# %%
character = reconcile.characterise(record, cells)
if len(character):
    display(Markdown(cat.t('nb10.correlates')))
    views.show_table(views.character_view(record, character, language), language, empty='',
                     decimals={'correlation': 3, 'min_ratio_to_key_share': 2, 'max_ratio_to_key_share': 2})

# %%
# The distribution across regions: per region and recipient group, in county-code order
dist = distributions.distribution(record, year)
estimated = bool(dist['estimate'].any())
display(Markdown(cat.t('nb10.distribution')))
if estimated:
    display(Markdown(cat.t('nb10.estimate_note')))
if dist.empty:
    display(Markdown(cat.md('nb10.no_distribution', year=year)))
else:
    totals = views.regions_first(distributions.per_region_totals(dist))
    for group, grp in totals.groupby('group', sort=False):
        views.show_table(grp[['region', 'amount_sek', 'error_bound_sek', 'key_population', 'per_capita_sek', 'amount_share',
                              'population_share', 'share_ratio']], language, empty='',
                         kronor=['amount_sek', 'error_bound_sek'], counts=['key_population'], shares=['amount_share', 'population_share'],
                         decimals={'per_capita_sek': 2, 'share_ratio': 3},
                         caption=cat.t('nb10.totals_caption', year=year, group=cat.value('groups', group)))

# %%
if not dist.empty:
    for group, grp in totals.groupby('group', sort=False):
        if grp['per_capita_sek'].notna().any():
            plots.show(plots.per_capita_bars(grp, cat.t('plots.per_capita_title', year=year, group=cat.value('groups', group)),
                                             estimate=estimated, language=language), language)
    if totals['population_share'].notna().any():
        plots.show(plots.share_scatter(totals.assign(group=[cat.value('groups', g) for g in totals['group']]),
                                       cat.t('plots.share_title', year=year), language=language), language)

# %%
# Keys the agreement does not print: how each was formed, and the key itself
unprinted = distributions.unprinted_keys(record, year)
display(Markdown(cat.t('nb10.keys')))
for key in unprinted:
    display(Markdown(keytext.describe_key(key, dist, language)))
    views.show_table(key.frame.drop(columns=['county_code']), language, empty='',
                     counts=[c for c in ('population', 'bound_population') if c in key.frame], shares=['share'],
                     caption=cat.t('nb10.key_caption', date=views.key_date(key, language), basis=cat.value('key_basis', key.method)))
if not unprinted:
    display(Markdown(cat.t('nb10.all_keys_printed')))

# %% tags=["no-output"]
# Save the year's distribution (the writer adds the provenance sidecar)
saved = write_derived(dist, f'distribution_{year}', params={'year': year}, estimate=estimated,
              description=f'Per-region amounts, key population, per-capita amounts and shares, {year}' + (' (ESTIMATE)' if estimated else ''))

# %%
# a year that prints no per-region table has no verdicts to count: its headline says 0 cells and nothing more
headline({cat.t('nb10.h_cells', year=year): len(cells),
          **{cat.t('nb10.h_verdict', year=year, verdict=cat.value('verdicts', v)): int(n)
             for v, n in zip(counts['verdict'], counts['cells']) if len(cells)},
          cat.t('nb10.h_estimate', year=year): estimated}, language=language)

# %%
# What to conclude
display(Markdown(cat.t('nb10.conclusion')))
