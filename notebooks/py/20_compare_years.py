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
# From 2.4 billion kronor to the regions in 2019 to 6.25 billion in 2020 and 6.78 billion in 2021: which areas and recipients gained, which regions gained or lost relative to their population, and why — bigger pots, a changed population key, or changed rules and recipients.

# %% tags=["parameters", "no-output"]
base_year: int = 2019  # the year to compare from: 2017, 2019, 2020 or 2021
target_year: int = 2021  # the year to compare to
region: str = "Gotland"  # region shown in the waterfall (any spelling the registry knows)

# %%
from IPython.display import Markdown, display

from helpers import compare, plots, views
from helpers.io import write_derived
from helpers.paths import RAW
from helpers.regions import harmonise_region
from helpers.report import headline, kr, pct, style_table

views.check_year(base_year)
views.check_year(target_year)
if base_year >= target_year:
    raise ValueError(f'base_year ({base_year}) must come before target_year ({target_year})')
region = harmonise_region(region)
display(Markdown(f'## {base_year} → {target_year}; waterfall for {region}'))

# %% [markdown]
# ## Pots by area and recipient, 2017–2021
#
# All agreements on one harmonised taxonomy of areas (`data/raw/rules/area_taxonomy.csv`, with the sections each mapping rests on). Amounts in millions of kronor; 2018 repeats 2017's pots (professionsmiljarden 2017–2018).

# %%
pots = compare.pots_by_area()
matrix = compare.area_matrix(pots)
display(style_table(matrix.reset_index(), decimals={y: 1 for y in matrix.columns}, caption='MSEK per area, recipient and year'))
fig = plots.pots_by_year(matrix)
plots.show(fig)

# %%
recip = pots.pivot_table(index='recipient', columns='year', values='amount_sek', aggfunc='sum', fill_value=0)
style_table(recip.reset_index(), kronor=list(recip.columns), caption='Kronor per recipient and year')

# %% [markdown]
# ## Per region: amounts, per-capita amounts, change and rank
#
# Money to the regions (own use, including the 1177 money they pass on to SKR, as the printed tables do). Per-capita amounts use each year's own key population. Ranks are on whole kronor per inhabitant: under a pure population key every region ties.

# %%
cmp = compare.region_comparison(base_year, target_year)
estimated = bool(cmp[f'estimate_{base_year}'].any() or cmp[f'estimate_{target_year}'].any())
if estimated:
    display(Markdown('> **ESTIMATE.** The 2019 per-region figures rest on an estimated key (population on 1 Nov 2018 is '
                     'not printed per region); each region\'s error bound is in the column estimate_error_bound_sek.'))
cols = ['region', f'amount_sek_{base_year}', f'amount_sek_{target_year}', 'change_sek', 'estimate_error_bound_sek', 'change_pct',
        f'per_capita_sek_{base_year}', f'per_capita_sek_{target_year}', f'rank_per_capita_{base_year}', f'rank_per_capita_{target_year}']
style_table(cmp[cols], kronor=cols[1:5], decimals={'change_pct': 1, cols[6]: 2, cols[7]: 2},
            caption='Kronor; estimate_error_bound_sek bounds the error of an estimated 2019 figure (0 where printed)')

# %%
fig = plots.slope_chart(cmp, base_year, target_year, estimate_base=bool(cmp[f'estimate_{base_year}'].any()))
plots.show(fig)

# %% [markdown]
# ## Why each region's money changed
#
# Each region's change, per recipient group, split exactly into: the growth of the pots (at the region's old share), the shift of its population share in the key, the change of the allocation rules (care-need index, base amounts, municipal-care keys and rounding: everything that makes a region's share differ from its population share), and money to a recipient group that had none in the base year. The effects add up to the change to the krona.

# %%
dec = compare.decompose(base_year, target_year)
assert (dec[compare.EFFECTS].sum(axis=1) == dec['change_sek']).all()
style_table(dec.drop(columns=['base_year', 'target_year', 'region_code']),
            kronor=['base_sek', 'target_sek', 'change_sek', *compare.EFFECTS])

# %%
totals = dec.groupby('recipient')[['base_sek', 'target_sek', 'change_sek', *compare.EFFECTS]].sum().reset_index()
style_table(totals, kronor=list(totals.columns[1:]), caption='Summed over regions')

# %%
row = dec[(dec['region'] == region) & (dec['recipient'] == 'regions')].iloc[0]
fig = plots.waterfall(row, compare.EFFECTS, f'{region}: regional money {base_year} → {target_year} (kronor)')
plots.show(fig)

# %% [markdown]
# ## The shape of the distribution
#
# Spread of per-capita amounts across the 21 regions: coefficient of variation (unweighted and weighted by population) and Gini. These describe the 21 regions as they are — a complete population, not a sample — so no significance test is made: any difference shown is the difference.

# %%
years = sorted({2019, 2020, 2021, base_year, target_year} - {2017})
conc = compare.concentration(years)
style_table(conc, decimals={'mean_per_capita_sek': 2, 'national_per_capita_sek': 2, 'cv': 4, 'cv_population_weighted': 4,
                            'gini': 4, 'min_per_capita_sek': 2, 'max_per_capita_sek': 2})

# %%
area_region = compare.area_by_region(target_year)
fig = plots.area_heatmap(area_region, target_year)
plots.show(fig)

# %% [markdown]
# ## The keys' inputs themselves
#
# Population on the key dates (2018: estimated) and recipients of municipal health care (2018, 2019), by region.

# %%
inputs = compare.key_inputs()
style_table(inputs.drop(columns=['county_code']), counts=['population_2018_11_01', 'population_2019_11_01', 'population_2020_11_01',
            'municipal_care_2018', 'municipal_care_2019'], decimals={'population_growth_2019_2020_pct': 2, 'municipal_care_change_pct': 1})

# %% [markdown]
# ## Save

# %%
write_derived(dec, f'decomposition_{base_year}_{target_year}', inputs=sorted(RAW.glob('*.csv')) + sorted((RAW / 'rules').glob('*.csv')),
              params={'base_year': base_year, 'target_year': target_year}, estimate=estimated,
              description='Each region\'s change split into effects that add up exactly' + (' (rests on ESTIMATED 2019 figures)' if estimated else ''))
reg = dec[dec['recipient'] == 'regions']
top = reg.loc[reg['change_sek'].idxmax()]
headline({'regional money change': f"{kr(reg['change_sek'].sum())} kr",
          'of which pot growth': f"{kr(reg['effect_pot_growth_sek'].sum())} kr",
          'largest regional gain': f"{top['region']} {kr(top['change_sek'])} kr",
          'estimate': estimated})

# %% [markdown]
# ## What to conclude
#
# Almost all of each region's change comes from the growth of the pots: the keys are population shares, which move by fractions of a percent a year, so the key and rule effects are small next to the pot effect. Where the rule effect is visible it is the care-need index for child health care (2020), the ambulance base amount (2021, which favours small regions such as Gotland) and, for the municipalities, the municipal-care keys, which spread the per-capita amounts far more than the regions' population keys do.
