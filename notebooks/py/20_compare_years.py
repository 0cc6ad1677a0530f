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
# # How the money moved between agreement years
#
# Which areas and recipients gained between two agreements, which regions gained or lost relative to their population, and why — bigger pots, a changed population key, or changed rules and recipients. The per-region figures are read from the distributions `10_recompute_distributions` wrote; nothing is recomputed here.

# %% tags=["parameters", "no-output"]
base_year: int = 2019  # the year to compare from (any agreement year in the record)
target_year: int = 2021  # the year to compare to
region: str = "Gotland"  # region shown in the waterfall (any spelling the registry knows)

# %%
from IPython.display import Markdown, display

from helpers.analyses import compare, distributions
from helpers.record.record import load_record
from helpers.reports import plots
from helpers.reports.derived import read_derived, write_derived
from helpers.reports.format import headline, kr, style_table

record = load_record()
record.check_year(base_year)
record.check_year(target_year)
if base_year >= target_year:
    raise ValueError(f'base_year ({base_year}) must come before target_year ({target_year})')
region = record.region(region)
base = read_derived(f'distribution_{base_year}', dtype=distributions.DTYPES)
target = read_derived(f'distribution_{target_year}', dtype=distributions.DTYPES)
display(Markdown(f'## {base_year} → {target_year}; waterfall for {region}'))

# %% [markdown]
# ## Pots by area and recipient, every agreement year
#
# All agreements on one harmonised taxonomy of areas (`data/raw/rules/area_taxonomy.csv`, with the sections each mapping rests on). Amounts in millions of kronor; 2018 repeats 2017's pots (professionsmiljarden 2017–2018). 2022 is published as a total only; 2023 and 2024 by area and recipient in part (see each pot's note in report 10).

# %%
pots = compare.pots_by_area(record)
matrix = compare.area_matrix(pots)
display(style_table(matrix.reset_index(), decimals={y: 1 for y in matrix.columns}, caption='MSEK per area, recipient and year'))
plots.show(plots.pots_by_year(matrix))

# %%
recip = pots.pivot_table(index='recipient_label', columns='year', values='amount_sek', aggfunc='sum', fill_value=0)
style_table(recip.reset_index(), kronor=list(recip.columns), caption='Kronor per recipient and year')

# %% [markdown]
# ## Per region: amounts, per-capita amounts, change and rank
#
# Money per recipient group (the regions' own money, including the 1177 money they pass on to SKR, as the printed tables do; the municipalities' money per county). Per-capita amounts use each year's own key population. Ranks are on whole kronor per inhabitant: under a pure population key every region ties.

# %%
groups = [g for g in compare.COMPARED_GROUPS if g in set(base['group']) and g in set(target['group'])]
estimated = bool(base['estimate'].any() or target['estimate'].any())
for y, d in ((base_year, base), (target_year, target)):
    missing = [g for g in compare.COMPARED_GROUPS if g not in set(d['group'])]
    if missing:
        display(Markdown(f'**{y} prints no per-region table for: {", ".join(missing)}** — those groups are not compared.'))
if estimated:
    display(Markdown('> **ESTIMATE.** Some per-region figures rest on an estimated key (report 10 says which and why); '
                     'each region\'s bound is in the column estimate_error_bound_sek.'))
cmp = {g: compare.region_comparison(base, target, g) for g in groups}
for g, c in cmp.items():
    cols = ['region', f'amount_sek_{base_year}', f'amount_sek_{target_year}', 'change_sek', 'estimate_error_bound_sek', 'change_pct',
            f'per_capita_sek_{base_year}', f'per_capita_sek_{target_year}', f'rank_per_capita_{base_year}', f'rank_per_capita_{target_year}']
    display(style_table(c[cols], kronor=cols[1:5], decimals={'change_pct': 1, cols[6]: 2, cols[7]: 2},
                        caption=f'{g}: kronor; estimate_error_bound_sek bounds the error of an estimated figure (0 where printed)'))

# %%
for g, c in cmp.items():
    if c[f'per_capita_sek_{base_year}'].notna().any() and c[f'per_capita_sek_{target_year}'].notna().any():
        plots.show(plots.slope_chart(c, base_year, target_year, estimate_base=bool(c[f'estimate_{base_year}'].any())))

# %% [markdown]
# ## Why each region's money changed
#
# Each region's change, per recipient group, split exactly into: the growth of the pots (at the region's old share), the shift of its population share in the key, the change of the allocation rules (care-need index, base amounts, municipal-care keys and rounding: everything that makes a region's share differ from its population share), and money to a recipient group that had none in the base year. The effects add up to the change to the krona. Where a year states no key, the key-share and rule effects cannot be told apart and both appear as the rule effect.

# %%
dec = compare.decompose(base, target)
assert (dec[compare.EFFECTS].sum(axis=1) == dec['change_sek']).all()
if not dec['key_effect_separable'].all():
    display(Markdown('**The key-share effect is not separable** for: ' + ', '.join(sorted(set(dec.loc[~dec['key_effect_separable'], 'group']))) +
                     ' (one of the years states no key); the rule effect holds both.'))
style_table(dec.drop(columns=['base_year', 'target_year', 'county_code']),
            kronor=['base_sek', 'target_sek', 'change_sek', *compare.EFFECTS, 'estimate_error_bound_sek'])

# %%
totals = dec.groupby('group')[['base_sek', 'target_sek', 'change_sek', *compare.EFFECTS]].sum().reset_index()
style_table(totals, kronor=list(totals.columns[1:]), caption='Summed over regions')

# %%
waterfall_group = 'regions' if 'regions' in set(dec['group']) else dec['group'].iloc[0]
row = dec[(dec['region'] == region) & (dec['group'] == waterfall_group)].iloc[0]
plots.show(plots.waterfall(row, compare.EFFECTS, f'{region}: {waterfall_group} money {base_year} → {target_year} (kronor)'))

# %% [markdown]
# ## The shape of the distribution
#
# Spread of per-capita amounts across the 21 regions: coefficient of variation (unweighted and weighted by population) and Gini. These describe the 21 regions as they are — a complete population, not a sample — so no significance test is made: any difference shown is the difference.

# %%
conc = compare.concentration([base, target])
if len(conc):
    display(style_table(conc, decimals={'mean_per_capita_sek': 2, 'national_per_capita_sek': 2, 'cv': 4, 'cv_population_weighted': 4,
                                        'gini': 4, 'min_per_capita_sek': 2, 'max_per_capita_sek': 2}))
else:
    display(Markdown('No per-capita amounts: neither year prints or states a key population for its per-region money.'))

# %%
area_region = compare.area_by_region(target, record.area_labels())
if area_region['per_capita_sek'].notna().any():
    plots.show(plots.area_heatmap(area_region, target_year))

# %% [markdown]
# ## The keys' inputs themselves
#
# Population on the key dates of the two years (estimates labelled) and the other counts their keys use, by region.

# %%
inputs = compare.key_inputs(record, [base_year, target_year])
style_table(inputs.drop(columns=['county_code']), counts=list(inputs.columns[2:]))

# %% [markdown]
# ## Save

# %%
write_derived(dec, f'decomposition_{base_year}_{target_year}', params={'base_year': base_year, 'target_year': target_year},
              estimate=estimated, description='Each region\'s change split into effects that add up exactly' + (' (rests on ESTIMATED figures)' if estimated else ''))
g = waterfall_group
sel = dec[dec['group'] == g]
top = sel.loc[sel['change_sek'].idxmax()]
headline({f'{g}: change, all regions': f"{kr(sel['change_sek'].sum())} kr",
          f'{g}: of which pot growth, all regions': f"{kr(sel['effect_pot_growth_sek'].sum())} kr",
          f'{g}: largest gain of one region': f"{top['region']} {kr(top['change_sek'])} kr",
          'estimate': estimated})

# %% [markdown]
# ## What to conclude
#
# Almost all of each region's change comes from the growth of the pots: the keys are population shares, which move by fractions of a percent a year, so the key and rule effects are small next to the pot effect. Where the rule effect is visible it is the care-need index for child health care (2020), the ambulance base amount (2021, which favours small regions such as Gotland) and, for the municipalities, the municipal-care keys, which spread the per-capita amounts far more than the regions' population keys do.
