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
region: str = "Gotland"  # the region profiled (any spelling the registry knows: name, official name, county)
language: str = "sv"  # language of the report: sv (Swedish) or en (English)
visits_source: str = ""  # a Parquet or CSV visit extract for the continuity figures (empty: none, the section is skipped)
window_end: str = "2022-12-31"  # last day of the 18-month window of the continuity figures

# %%
# One region's profile, read from the tables the other reports wrote: nothing is recomputed here.
from IPython.display import Markdown, display

from helpers.analyses import compare
from helpers.record.record import load_record
from helpers.reports import plots, profile, views
from helpers.reports.derived import read_derived
from helpers.reports.format import headline, money, pct
from helpers.reports.i18n import catalogue

cat = catalogue(language)
record = load_record()
region = record.region(region)
code = record.registry.code(region)
years = record.years
dists = profile.read_distributions(years)
display(Markdown(cat.md('nb40.title', region=region) + '\n\n'
                 + cat.md('nb40.intro', first=years[0], last=years[-1], region=region)))

# %%
# Money by harmonised area and year: the region's own money
display(Markdown(cat.t('nb40.money')))
areas = record.table('areas').data
by_area = profile.money_by_area(dists, code, record.area_labels(language), dict(zip(areas['area'], areas['order'])))
no_rows = [y for y in years if y not in dists or f'amount_sek_{y}' not in by_area.columns]
views.show_table(by_area, language, empty=cat.md('nb40.no_money', region=region),
                 kronor=[c for c in by_area.columns if c != 'area_label'], caption=cat.t('nb40.money_caption', region=region))
display(Markdown(cat.t('nb40.years_without', years=', '.join(map(str, no_rows)) or cat.t('common.none'))))
if len(by_area):
    plots.show(plots.region_years(by_area, cat.t('plots.region_years_title', region=region), language), language)

# %%
# Per inhabitant against the whole country
display(Markdown(cat.t('nb40.per_capita')))
pc = profile.per_capita_vs_nation(dists, code)
views.show_table(pc, language, empty=cat.md('nb40.no_per_capita', region=region), kronor=['amount_sek'], counts=['key_population'],
                 decimals={'region_per_capita_sek': 2, 'national_per_capita_sek_year': 2, 'difference_pct': 1},
                 caption=cat.t('nb40.per_capita_caption', region=region))
if len(pc):
    plots.show(plots.region_vs_nation(pc, region, cat.t('plots.region_vs_nation_title', region=region), language), language)

# %%
# Why the money changed: each change decomposed (report 20's tables)
display(Markdown(cat.t('nb40.changes')))
ch, not_decomposed = profile.changes(dists, code)
for g, grp in (ch.groupby('group', sort=False) if len(ch) else []):
    views.show_table(grp.drop(columns=['group']), language, empty='', kronor=['base_sek', 'target_sek', 'change_sek', *compare.EFFECTS],
                     caption=cat.t('nb40.changes_caption', region=region, group=cat.value('groups', g)))
if ch.empty:
    display(Markdown(cat.md('nb40.no_changes', region=region)))
if not_decomposed:
    display(Markdown(cat.t('nb40.not_decomposed', pairs=', '.join(f'{a} → {b}' for a, b in not_decomposed))))

# %%
# What the reconciliation found in the region's printed cells (report 05's table)
display(Markdown(cat.t('nb40.cells')))
cells = profile.cells_of(read_derived('reconciliation'), code)
if len(cells):
    counts = cells.groupby(['year', 'verdict']).size().unstack(fill_value=0).reindex(columns=['exact', 'within_rounding', 'stated_rule_fails',
                                                                                               'not_reproducible'], fill_value=0)
    views.show_table(counts.reset_index(), language, empty='', counts=list(counts.columns), caption=cat.t('nb40.cells_caption', region=region))
    off = cells[cells['verdict'] != 'exact']
    # the rule column says which rule the recomputed figure follows (for 'stated rule fails': the one that does)
    views.show_table(views.reconciliation_view(record, off[['year', 'table', 'column', 'published_sek', 'recomputed_sek', 'deviation_sek',
                                                           'rule', 'verdict']], language),
                     language, empty=cat.md('nb40.all_exact', region=region), kronor=['published_sek', 'recomputed_sek', 'deviation_sek'])
else:
    display(Markdown(cat.md('nb40.no_cells', region=region)))

# %%
# The municipalities' money in the county
display(Markdown(cat.t('nb40.municipalities')))
muni = profile.money_by_area(dists, code, record.area_labels(language), dict(zip(areas['area'], areas['order'])), group='municipalities')
views.show_table(muni, language, empty=cat.md('nb40.no_municipalities', region=region),
                 kronor=[c for c in muni.columns if c != 'area_label'], caption=cat.t('nb40.municipalities_caption', region=region))

# %%
# The targets: the region's published value where there is one
display(Markdown(cat.t('nb40.targets')))
targets = profile.target_status(record, region)
views.show_table(views.targets_view(targets, language), language, empty=cat.t('nb40.no_targets'), dates=['deadline', 'period_end'])

# %%
# Continuity of care: only from a visit extract given as a parameter
display(Markdown(cat.t('nb40.continuity')))
if visits_source:
    from helpers.analyses import continuity

    coc = continuity.aggregate_indices(visits_source, ('region',), continuity.skr_options(window_end))
    views.show_table(coc[coc['region'] == region].drop(columns=['region']), language, empty=cat.md('nb40.no_visits', region=region),
                     counts=['patients', 'visits'], decimals={c: 3 for c in ('coc', 'upc', 'secon', 'mmci', 'hhi')})
else:
    display(Markdown(cat.t('nb40.no_extract')))

# %%
latest = pc.iloc[-1] if len(pc) else None
headline({cat.t('nb40.h_latest', region=region, year=int(latest['year'])): money(latest['amount_sek'], language),
          cat.t('nb40.h_per_capita', region=region, year=int(latest['year'])): money(latest['region_per_capita_sek'], language, 2),
          cat.t('nb40.h_nation', year=int(latest['year'])): money(latest['national_per_capita_sek_year'], language, 2)}
         if latest is not None else {cat.t('nb40.h_none', region=region): cat.t('common.none')}, language=language)
