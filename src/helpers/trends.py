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
from scipy import stats
from scipy.special import expit, logit

from .load import load_table
from .paths import RAW

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
    """A fitted trend on the logit scale, with what is needed to predict and to compute probabilities.

    For the GLM, a new observation is a share out of `new_trials` trials (default: the mean number of
    trials of the fitted points); for the WLS fit, a new observation has weight `new_weight` (1: a
    full-weight published value).
    """

    kind: str
    result: object
    n: int
    t0: float
    new_trials: float | None = None
    new_weight: float = 1.0

    @property
    def is_glm(self) -> bool:
        """Return True for the binomial GLM fit."""
        return "GLM" in self.kind

    @property
    def df_resid(self) -> float:
        """Return the residual degrees of freedom (n − 2)."""
        return float(self.result.df_resid)  # type: ignore[attr-defined]

    def linear(self, t: np.ndarray) -> pd.DataFrame:
        """Return, on the logit scale at times t: eta, its standard error and that of a new observation."""
        t = np.atleast_1d(np.asarray(t, dtype=float))
        x = np.column_stack([np.ones_like(t), t - self.t0])
        params = np.asarray(self.result.params)  # type: ignore[attr-defined]
        cov = np.asarray(self.result.cov_params())  # type: ignore[attr-defined]
        eta = x @ params
        var_mean = np.einsum("ij,jk,ik->i", x, cov, x)
        scale = float(self.result.scale)  # type: ignore[attr-defined]
        if self.is_glm:
            # quasi-binomial: Var(new share) = φ·μ(1−μ)/m, on the logit scale φ/(m·μ(1−μ)) (delta method)
            mu = expit(eta)
            var_new = scale / (float(self.new_trials or 1.0) * mu * (1 - mu))
        else:
            var_new = np.full_like(eta, scale / self.new_weight)
        return pd.DataFrame({"t": t, "eta": eta, "se_level": np.sqrt(var_mean),
                             "se_observation": np.sqrt(var_mean + var_new)})

    def predict(self, t: np.ndarray, alpha: float = 0.05) -> pd.DataFrame:
        """Return mean, confidence (true level) and prediction (new observation) intervals, shares 0–1, at t."""
        lin = self.linear(t)
        q = stats.t.ppf(1 - alpha / 2, self.df_resid)
        return pd.DataFrame({
            "t": lin["t"], "mean": expit(lin["eta"]),
            "ci_low": expit(lin["eta"] - q * lin["se_level"]), "ci_high": expit(lin["eta"] + q * lin["se_level"]),
            "pi_low": expit(lin["eta"] - q * lin["se_observation"]),
            "pi_high": expit(lin["eta"] + q * lin["se_observation"])})


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
    """Fit a binomial GLM, logit link, with Pearson-χ²/df dispersion (quasi-binomial)."""
    t = np.asarray(t, dtype=float)
    successes = np.asarray(successes, dtype=float)
    trials = np.asarray(trials, dtype=float)
    if len(t) < MIN_POINTS:
        raise ValueError(f"{len(t)} observation(s): at least {MIN_POINTS} are needed to fit a trend")
    if np.any(trials <= 0) or np.any((successes < 0) | (successes > trials)):
        raise ValueError("successes must lie between 0 and trials, and trials must be positive")
    t0 = float(t.mean())
    x = sm.add_constant(t - t0)
    # Proportions with the trials as variance weights: Pearson's χ² is then Σ m(y − μ)²/(μ(1−μ)) over the
    # points, divided by n − 2. (A two-column endog makes statsmodels 0.14 leave the trials out of the
    # scale, which shrinks the standard errors by a factor of about √m.)
    res = sm.GLM(successes / trials, x, family=sm.families.Binomial(), var_weights=trials).fit(scale="X2")
    return TrendFit("quasi-binomial GLM (logit link)", res, len(t), t0, new_trials=float(trials.mean()))


def fit_hierarchical(df: pd.DataFrame) -> object:
    """Fit logit(share) ~ t with a random intercept per region (MixedLM); df has region, t, share."""
    counts = df.groupby("region").size()
    if (counts >= 2).sum() < 2:
        raise ValueError("a hierarchical model needs two or more regions with two or more observations each")
    d = df.assign(y=logit(df["share"].astype(float)), tc=df["t"] - df["t"].mean())
    return sm.MixedLM.from_formula("y ~ tc", groups="region", data=d).fit(reml=True)


ESTIMANDS = {"level": "the true level", "observation": "a new observation"}


def probability_of_reaching(fit: TrendFit, t_deadline: float, threshold: float, *, estimand: str = "level",
                            n: int | None = None, seed: int | None = None) -> float:
    """Return P(estimand at the deadline ≥ threshold) from the t distribution with the residual df.

    estimand "level": the true level on the fitted trend; "observation": a new noisy observation
    (adds the observation noise of `TrendFit.linear`). Both fits (WLS, GLM) use the same formula,
    P = 1 − F_t,df((logit(threshold) − η̂)/se). `n` and `seed` are accepted for older callers; the
    probability is computed exactly, not simulated.
    """
    if estimand not in ESTIMANDS:
        raise ValueError(f"estimand must be one of {', '.join(ESTIMANDS)}, not '{estimand}'")
    if not 0 < threshold < 1:
        raise ValueError("threshold must be a share strictly between 0 and 1")
    df = fit.df_resid
    if df < 1:
        raise ValueError(f"{fit.n} points leave {df:g} residual degrees of freedom: no probability can be computed")
    lin = fit.linear(np.array([t_deadline])).iloc[0]
    se = lin["se_level"] if estimand == "level" else lin["se_observation"]
    return float(stats.t.sf((logit(threshold) - lin["eta"]) / se, df))


def time_reaching(intercept: float, slope: float, t0: float, threshold: float, *, start: float,
                  horizon: float) -> float | None:
    """Return when logit-linear a + b·(t − t0) reaches the threshold, if it does between start and horizon."""
    if intercept + slope * (start - t0) >= logit(threshold):
        return float(start)  # already there at the start
    if slope <= 0:
        return None
    t_star = t0 + (logit(threshold) - intercept) / slope
    return float(t_star) if start <= t_star <= horizon else None


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
