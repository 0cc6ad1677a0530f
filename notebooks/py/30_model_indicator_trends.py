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
# # Indicator trends against the agreements' targets
#
# Where does an indicator stand against the target the 2021 agreement sets (§3.3), and what does its trend say about reaching it? Each published observation keeps its measure type and source: survey answers and region registers are different series and are never pooled. Trends are fitted with statsmodels on the logit scale, with confidence and prediction intervals; the probability of reaching the target by its date is simulated from the fitted model. With few points the intervals are wide, and this report says so.

# %% tags=["parameters", "no-output"]
indicator: str = "share_with_regular_doctor_pc"  # the observed series (see data/raw/ext_regular_doctor_observations.csv)
measure_type: str = "survey_panel"  # which measure of that indicator to model: never pooled with another
target_id: str = "regular_doctor_share_55"  # the target (data/raw/rules/targets.csv)
target_year: int = 2022  # the year by whose end the probability of reaching the target is computed
n_simulations: int = 20000  # draws for the probability
seed: int = 1  # seed of the simulation

# %%
import numpy as np
import pandas as pd
from IPython.display import Markdown, display

from helpers import plots, trends
from helpers.io import write_derived
from helpers.paths import RAW
from helpers.report import headline, style_table

tgt = trends.target(target_id)
deadline_t = float(trends.decimal_year(pd.Series([pd.Timestamp(f'{target_year}-12-31')])).iloc[0])
display(Markdown(f"**Target** ({tgt['stated_in']}): {tgt['indicator']} {tgt['comparator']} {tgt['value']:g} "
                 f"{tgt['unit']} by {tgt['deadline'].date()}, {tgt['population']}, {tgt['geography']}."))
if tgt['indicator'] != indicator:
    display(Markdown(f"> **Different measures.** The target is about `{tgt['indicator']}`; the series modelled here is "
                     f"`{indicator}`. They measure related but different things (who is asked, what counts), so the "
                     "comparison with the target is indicative only."))

# %% [markdown]
# ## The observations
#
# Every published value of the indicator, by measure type. Only the chosen measure type is modelled.

# %%
all_obs = trends.observations(indicator)
style_table(all_obs[['measure_type', 'geography', 'period_end', 'value', 'unit', 'approximate', 'population', 'source']]
            .assign(period_end=lambda d: d['period_end'].dt.strftime('%Y-%m-%d')), decimals={'value': 0})

# %%
obs = all_obs[(all_obs['measure_type'] == measure_type) & (all_obs['geography'] == 'Riket')]
display(Markdown(f'**{len(obs)} national observation(s)** of measure type `{measure_type}`.'))

# %% [markdown]
# ## The trend and the path the target requires

# %%
analysis = trends.analyse_series(obs, tgt, deadline_t, n_simulations=n_simulations, seed=seed)
fit, pred, probability, threshold = analysis.fit, analysis.prediction, analysis.probability, analysis.threshold
display(Markdown(analysis.message))
if analysis.coefficients is not None:
    display(style_table(analysis.coefficients, decimals={'estimate': 4, 'std_error': 4}))

# %%
path = None
if threshold is not None and len(obs):
    base = obs.iloc[0]
    ts = np.array([base['t'], deadline_t])
    path = pd.DataFrame({'t': ts, 'share': trends.required_path(base['t'], base['value'] / 100, deadline_t, threshold, ts)})
fig = plots.trend_chart(obs, pred, None if threshold is None else threshold * 100, deadline_t, path,
                  f'{indicator} ({measure_type}), national, against {target_id}')
plots.show(fig)

# %%
if probability is not None:
    at = fit.predict(np.array([deadline_t])).iloc[0]
    display(Markdown(f"Fitted value at the end of {target_year}: **{at['mean']*100:.0f} %** (95 % prediction interval "
                     f"{at['pi_low']*100:.0f}–{at['pi_high']*100:.0f} %). Probability that a new observation at the deadline "
                     f"reaches {threshold*100:g} %: **{probability:.1%}** ({n_simulations:,} simulations; assumes the logit-linear "
                     "trend holds and the published values are unbiased measurements of one series).".replace(',', ' ')))
observed_at_deadline = obs[obs['period_end'].dt.year == target_year]
if threshold is not None and len(observed_at_deadline):
    v = float(observed_at_deadline['value'].iloc[0])
    display(Markdown(f'Observed at the end of {target_year}: **{v:g} %** — the target is '
                     + ('**met**.' if v >= threshold * 100 else '**not met**.')))

# %% [markdown]
# ## Regions
#
# Region-level values of the target's indicator, where they are published, and whether each meets the target. A hierarchical model across regions needs regional *series* (two or more points per region).

# %%
regional, lines = trends.regional_findings(tgt)
if len(regional):
    display(style_table(regional.assign(period_end=lambda d: d['period_end'].dt.strftime('%Y-%m-%d')), decimals={'value': 0}))
display(Markdown('\n\n'.join(lines)))

# %% [markdown]
# ## Save

# %%
summary = pd.DataFrame([{'indicator': indicator, 'measure_type': measure_type, 'target_id': target_id, 'target_year': target_year,
                         'observations': len(obs), 'model': None if fit is None else fit.kind,
                         'probability_of_reaching': probability}])
write_derived(summary, f'trend_{indicator}_{measure_type}_{target_id}_{target_year}',
              inputs=[RAW / 'ext_regular_doctor_observations.csv', RAW / 'rules' / 'targets.csv'],
              params={'indicator': indicator, 'measure_type': measure_type, 'target_id': target_id,
                      'target_year': target_year, 'n_simulations': n_simulations, 'seed': seed},
              description='Trend model of one indicator against one target')
headline({'observations': len(obs), 'model': 'none (too few points)' if fit is None else fit.kind,
          'P(reach target)': 'n/a' if probability is None else f'{probability:.1%}'})
