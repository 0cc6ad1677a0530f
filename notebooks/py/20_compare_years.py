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
base_year: int = 2019  # the year to compare from (any agreement year in the record)
target_year: int = 2021  # the year to compare to
region: str = "Gotland"  # region shown in the waterfall (any spelling the registry knows)
language: str = "sv"  # language of the report: sv (Swedish) or en (English)

# %%
# How the money moved between two agreement years; per-region figures read from the distributions report 10 wrote.
from IPython.display import Markdown, display

from helpers.analyses import compare, distributions
from helpers.record.record import load_record
from helpers.reports import plots, views
from helpers.reports.derived import read_derived, write_derived
from helpers.reports.format import headline, money
from helpers.reports.i18n import catalogue

cat = catalogue(language)
record = load_record()
record.check_year(base_year)
record.check_year(target_year)
if base_year >= target_year:
    raise ValueError(f'base_year ({base_year}) must come before target_year ({target_year})')
region = record.region(region)
base = read_derived(f'distribution_{base_year}', dtype=distributions.DTYPES)
target = read_derived(f'distribution_{target_year}', dtype=distributions.DTYPES)
display(Markdown(cat.md('nb20.title', base=base_year, target=target_year) + '\n\n' + cat.t('nb20.intro')))

# %%
# Pots by harmonised area and recipient, every agreement year
display(Markdown(cat.t('nb20.pots')))
pots = compare.pots_by_area(record, language)
matrix = compare.area_matrix(pots)
views.show_table(matrix.reset_index().rename(columns={y: f'msek_{y}' for y in matrix.columns}), language, empty='',
                 decimals={f'msek_{y}': 1 for y in matrix.columns}, caption=cat.t('nb20.matrix_caption'))
plots.show(plots.pots_by_year(matrix, language), language)

# %%
recip = pots.pivot_table(index='recipient_label', columns='year', values='amount_sek', aggfunc='sum', fill_value=0)
views.show_table(recip.reset_index().rename(columns={y: f'amount_sek_{y}' for y in recip.columns}), language, empty='',
                 kronor=[f'amount_sek_{y}' for y in recip.columns], caption=cat.t('nb20.recipient_caption'))

# %%
# Per region: amounts, per-capita amounts, change and rank (county-code order)
display(Markdown(cat.t('nb20.per_region')))
groups = [g for g in compare.COMPARED_GROUPS if g in set(base['group']) and g in set(target['group'])]
estimated = bool(base['estimate'].any() or target['estimate'].any())
for y, d in ((base_year, base), (target_year, target)):
    missing = [cat.value('groups', g) for g in compare.COMPARED_GROUPS if g not in set(d['group'])]
    if missing:
        display(Markdown(cat.md('nb20.missing_groups', year=y, groups=', '.join(missing))))
if estimated:
    display(Markdown(cat.t('nb20.estimate_note')))
cmp = {g: compare.region_comparison(base, target, g) for g in groups}
for g, c in cmp.items():
    cols = ['region', f'amount_sek_{base_year}', f'amount_sek_{target_year}', 'change_sek', 'estimate_error_bound_sek', 'change_pct',
            f'per_capita_sek_{base_year}', f'per_capita_sek_{target_year}', f'rank_per_capita_{base_year}', f'rank_per_capita_{target_year}']
    views.show_table(c[cols], language, empty='', kronor=cols[1:5], decimals={'change_pct': 1, cols[6]: 2, cols[7]: 2},
                     counts=cols[8:], caption=cat.t('nb20.region_caption', group=cat.value('groups', g)))
if not cmp:
    display(Markdown(cat.md('nb20.no_groups', base=base_year, target=target_year)))

# %%
for g, c in cmp.items():
    if c[f'per_capita_sek_{base_year}'].notna().any() and c[f'per_capita_sek_{target_year}'].notna().any():
        plots.show(plots.slope_chart(c, base_year, target_year, estimate_base=bool(c[f'estimate_{base_year}'].any()), language=language,
                                     title=cat.t('plots.slope_title_group', group=cat.value('groups', g), b=base_year, t=target_year)),
                   language)

# %%
# Why each region's money changed: effects that add up to the change to the krona
display(Markdown(cat.t('nb20.why')))
dec = compare.decompose(base, target, record)
dec = views.regions_first(dec) if len(dec) else dec
assert (dec[compare.EFFECTS].sum(axis=1) == dec['change_sek']).all()
if len(dec) and not dec['key_effect_separable'].all():
    display(Markdown(cat.md('nb20.not_separable', groups=', '.join(sorted({cat.value('groups', g) for g in dec.loc[~dec['key_effect_separable'], 'group']})))))
for g, grp in (dec.groupby('group', sort=False) if len(dec) else []):
    views.show_table(grp[['region', 'base_sek', 'target_sek', 'change_sek', *compare.EFFECTS, 'estimate_error_bound_sek']]
                     .rename(columns={'base_sek': f'amount_sek_{base_year}', 'target_sek': f'amount_sek_{target_year}'}), language,
                     empty='', kronor=[f'amount_sek_{base_year}', f'amount_sek_{target_year}', 'change_sek', *compare.EFFECTS,
                                       'estimate_error_bound_sek'], caption=cat.t('nb20.dec_caption', group=cat.value('groups', g)))
if dec.empty:
    display(Markdown(cat.md('nb20.no_groups', base=base_year, target=target_year)))

# %%
if len(dec):
    row = views.waterfall_row(dec, region)
    plots.show(plots.waterfall(row, compare.EFFECTS, cat.t('plots.wf_title', region=region, group=cat.value('groups', row['group']),
                                                            b=base_year, t=target_year), language=language), language)

# %%
# The shape of the distribution: spread of per-capita amounts across the 21 regions
display(Markdown(cat.t('nb20.shape')))
conc = compare.concentration([base, target])
views.show_table(conc.assign(group=[cat.value('groups', g) for g in conc['group']]) if len(conc) else conc, language,
                 empty=cat.t('nb20.no_per_capita'),
                 decimals={'mean_per_capita_sek': 2, 'national_per_capita_sek': 2, 'cv': 4, 'cv_population_weighted': 4,
                           'gini': 4, 'min_per_capita_sek': 2, 'max_per_capita_sek': 2})

# %%
area_region = compare.area_by_region(target, record.area_labels(language))
if area_region['per_capita_sek'].notna().any():
    plots.show(plots.area_heatmap(area_region, target_year, language), language)

# %%
# The keys' inputs themselves, by region
display(Markdown(cat.t('nb20.inputs')))
inputs = views.key_inputs_view(compare.key_inputs(record, [base_year, target_year]), language)
views.show_table(inputs, language, empty='', counts=list(inputs.columns[1:]))

# %% tags=["no-output"]
# Save the decomposition (the writer adds the provenance sidecar)
saved = write_derived(dec, f'decomposition_{base_year}_{target_year}', params={'base_year': base_year, 'target_year': target_year},
              estimate=estimated, description='Each region\'s change split into effects that add up exactly' + (' (rests on ESTIMATED figures)' if estimated else ''))

# %%
headline(views.comparison_headline(dec, base_year, target_year, language) | {cat.t('nb20.h_estimate'): estimated}, language=language)

# %%
# What to conclude
display(Markdown(views.conclusion_text(dec, language)))
