"""Indicator trends against the agreements' targets, with statsmodels and honest uncertainty.

Models, by what the data hold:
- counts (numerator and denominator): a binomial GLM on the logit scale with the dispersion
  estimated from Pearson's χ² (quasi-binomial), `fit_binomial_trend`;
- shares only: a weighted linear model of logit(share) on time, `fit_logit_trend` (approximate
  published values, "about 30 %", get half weight);
- regional series (two or more points in two or more regions): a hierarchical model, random
  intercept per region and a common slope (statsmodels MixedLM), `fit_hierarchical`.

The probability of reaching a target by its date is simulated from the fitted model: parameters
drawn from their sampling distribution (for the linear model with the residual variance drawn from
its scaled-χ² distribution, so that few points give wide intervals), plus the noise of a new
observation.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy.special import expit, logit

from ..record.tables import load_table
from ..paths import RAW

MIN_POINTS = 3  # fewer observations than this: no trend is fitted, the report says why


def decimal_year(dates: pd.Series) -> pd.Series:
    """Return dates as decimal years (2022-12-31 → 2022.997)."""
    d = pd.to_datetime(dates)
    start = pd.to_datetime(d.dt.year.astype(str) + "-01-01")
    days = np.where(d.dt.is_leap_year, 366, 365)
    return d.dt.year + (d - start).dt.days / days


def observations(indicator: str, measure_type: str | None = None, geography: str | None = None,
                 raw_dir: Path = RAW) -> pd.DataFrame:
    """Return the observations of one indicator (and measure type / geography), oldest first."""
    obs = load_table("ext_regular_doctor_observations", raw_dir)
    sel = obs[obs["indicator"] == indicator]
    if measure_type:
        sel = sel[sel["measure_type"] == measure_type]
    if geography:
        sel = sel[sel["geography"] == geography]
    sel = sel.sort_values("period_end").reset_index(drop=True)
    sel["t"] = decimal_year(sel["period_end"])
    return sel


def target(target_id: str, raw_dir: Path = RAW) -> pd.Series:
    """Return one quantified target of the agreements."""
    t = load_table("targets", raw_dir).set_index("target_id")
    if target_id not in t.index:
        raise KeyError(f"unknown target '{target_id}'; known: {', '.join(t.index)}")
    return t.loc[target_id]


@dataclass
class TrendFit:
    """A fitted trend on the logit scale, with what is needed to predict and simulate."""

    kind: str
    result: object
    n: int
    t0: float

    def predict(self, t: np.ndarray, alpha: float = 0.05) -> pd.DataFrame:
        """Return mean, confidence and prediction intervals on the share scale (0–1) at times t."""
        x = sm.add_constant(np.asarray(t, dtype=float) - self.t0, has_constant="add")
        pred = self.result.get_prediction(x)  # type: ignore[attr-defined]
        frame = pred.summary_frame(alpha=alpha)
        out = pd.DataFrame({"t": t, "mean": expit(frame["mean"]),
                            "ci_low": expit(frame["mean_ci_lower"]), "ci_high": expit(frame["mean_ci_upper"])})
        if "obs_ci_lower" in frame:
            out["pi_low"], out["pi_high"] = expit(frame["obs_ci_lower"]), expit(frame["obs_ci_upper"])
        return out


def fit_logit_trend(t: np.ndarray, share: np.ndarray, weights: np.ndarray | None = None) -> TrendFit:
    """Fit logit(share) = a + b·(t − t0) by weighted least squares (shares in 0–1)."""
    t = np.asarray(t, dtype=float)
    share = np.asarray(share, dtype=float)
    if len(t) < MIN_POINTS:
        raise ValueError(f"{len(t)} observation(s): at least {MIN_POINTS} are needed to fit a trend")
    if np.any((share <= 0) | (share >= 1)):
        raise ValueError("shares must lie strictly between 0 and 1")
    t0 = float(t.mean())
    x = sm.add_constant(t - t0)
    w = np.ones_like(t) if weights is None else np.asarray(weights, dtype=float)
    res = sm.WLS(logit(share), x, weights=w).fit()
    return TrendFit("weighted logit-linear (WLS)", res, len(t), t0)


def fit_binomial_trend(t: np.ndarray, successes: np.ndarray, trials: np.ndarray) -> TrendFit:
    """Fit a binomial GLM, logit link, with Pearson-χ² dispersion (quasi-binomial)."""
    t = np.asarray(t, dtype=float)
    if len(t) < MIN_POINTS:
        raise ValueError(f"{len(t)} observation(s): at least {MIN_POINTS} are needed to fit a trend")
    t0 = float(t.mean())
    x = sm.add_constant(t - t0)
    endog = np.column_stack([successes, np.asarray(trials) - np.asarray(successes)])
    res = sm.GLM(endog, x, family=sm.families.Binomial()).fit(scale="X2")
    return TrendFit("quasi-binomial GLM (logit link)", res, len(t), t0)


def fit_hierarchical(df: pd.DataFrame) -> object:
    """Fit logit(share) ~ t with a random intercept per region (MixedLM); df has region, t, share."""
    counts = df.groupby("region").size()
    if (counts >= 2).sum() < 2:
        raise ValueError("a hierarchical model needs two or more regions with two or more observations each")
    d = df.assign(y=logit(df["share"].astype(float)), tc=df["t"] - df["t"].mean())
    return sm.MixedLM.from_formula("y ~ tc", groups="region", data=d).fit(reml=True)


def probability_of_reaching(fit: TrendFit, t_deadline: float, threshold: float, *, n: int = 20_000,
                            seed: int = 1) -> float:
    """Simulate P(share at the deadline ≥ threshold) from the fitted model (a new observation)."""
    rng = np.random.default_rng(seed)
    res = fit.result
    params = np.asarray(res.params)  # type: ignore[attr-defined]
    cov = np.asarray(res.cov_params())  # type: ignore[attr-defined]
    x = np.array([1.0, t_deadline - fit.t0])
    if fit.kind.startswith("weighted"):
        df = float(res.df_resid)  # type: ignore[attr-defined]
        s2 = float(res.scale)  # type: ignore[attr-defined]
        # residual variance from its scaled-χ² distribution, then the parameters given it
        sigma2 = df * s2 / rng.chisquare(df, size=n)
        z = rng.multivariate_normal(np.zeros(2), cov / s2, size=n)
        beta = params + z * np.sqrt(sigma2)[:, None]
        y = beta @ x + rng.normal(size=n) * np.sqrt(sigma2)
    else:
        beta = rng.multivariate_normal(params, cov, size=n)
        y = beta @ x
    return float(np.mean(expit(y) >= threshold))


def required_path(baseline_t: float, baseline_share: float, deadline_t: float, target_share: float,
                  t: np.ndarray) -> np.ndarray:
    """Return the straight path from the baseline to the target (share scale), for plotting."""
    slope = (target_share - baseline_share) / (deadline_t - baseline_t)
    return baseline_share + slope * (np.asarray(t, dtype=float) - baseline_t)


def regions_against_target(indicator: str, threshold_pct: float, raw_dir: Path = RAW) -> pd.DataFrame:
    """Return the region-level published values of an indicator and whether each meets the threshold."""
    obs = load_table("ext_regular_doctor_observations", raw_dir)
    sel = obs[(obs["indicator"] == indicator) & (obs["geography"] != "Riket")].copy()
    sel["met"] = sel["value"] >= threshold_pct
    return sel[["geography", "period_end", "value", "met", "measure_type", "source"]].sort_values(
        "value", ascending=False).reset_index(drop=True)


@dataclass
class TrendReport:
    """Everything the trend notebook shows for one series and one target."""

    fit: TrendFit | None
    prediction: pd.DataFrame | None
    coefficients: pd.DataFrame | None
    probability: float | None
    threshold: float | None
    message: str


def analyse_series(obs: pd.DataFrame, tgt: pd.Series, deadline_t: float, *, n_simulations: int = 20_000,
                   seed: int = 1) -> TrendReport:
    """Fit the series (when it has enough points), predict to the deadline, simulate the probability."""
    threshold = float(tgt["value"]) / 100 if pd.notna(tgt["value"]) and tgt["unit"] == "percent" else None
    if len(obs) < MIN_POINTS:
        return TrendReport(None, None, None, None, threshold,
                           f"**No trend is fitted:** {len(obs)} observation(s); at least {MIN_POINTS} are needed. "
                           "The published values are shown as they are.")
    fit = fit_logit_trend(obs["t"], obs["value"] / 100, np.where(obs["approximate"], 0.5, 1.0))
    grid = np.linspace(obs["t"].min() - 0.5, max(deadline_t, obs["t"].max()) + 0.5, 60)
    coef = pd.DataFrame({"term": ["intercept (logit, at mean year)", "slope (logit per year)"],
                         "estimate": np.asarray(fit.result.params), "std_error": np.asarray(fit.result.bse)})  # type: ignore[attr-defined]
    message = (f"Model: {fit.kind} on {fit.n} points, {int(fit.result.df_resid)} residual degree(s) of freedom. "  # type: ignore[attr-defined]
               'Approximate published values ("about 30 %") have half weight.'
               + (" **With this few points the intervals are wide and the trend is fragile.**" if fit.n < 6 else ""))
    probability = (probability_of_reaching(fit, deadline_t, threshold, n=n_simulations, seed=seed)
                   if threshold is not None else None)
    return TrendReport(fit, fit.predict(grid), coef, probability, threshold, message)


def regional_findings(tgt: pd.Series, raw_dir: Path = RAW) -> tuple[pd.DataFrame, list[str]]:
    """Return the regions' published values against the target and sentences that sum them up."""
    threshold = float(tgt["value"]) if pd.notna(tgt["value"]) else np.inf
    regional = regions_against_target(str(tgt["indicator"]), threshold, raw_dir)
    lines = []
    if len(regional):
        lines.append(f"{int(regional['met'].sum())} of the {len(regional)} regions with a published value meet the target.")
    else:
        lines.append("No region-level values are published for this indicator.")
    national = observations("regions_meeting_55pct", raw_dir=raw_dir)
    if tgt.name == "regular_doctor_share_55" and len(national):
        r = national.iloc[0]
        lines.append(f"Nationally reported: **{int(r['value'])} of 21** regions reached 55 % by "
                     f"{r['period_end'].date()} ({r['source']}).")
    per_region = regional.groupby("geography").size() if len(regional) else pd.Series(dtype=int)
    if (per_region >= 2).sum() >= 2:
        lines.append("Regional series exist: `helpers.trends.fit_hierarchical` pools them.")
    else:
        lines.append("**No hierarchical model**: no region has more than one published value, so there are no "
                     "regional trends to pool.")
    return regional, lines
