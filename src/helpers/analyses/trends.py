"""Indicator trends against the agreements' targets, with statsmodels and honest uncertainty.

Models, by what the data hold:
- counts (numerator and denominator): a binomial GLM on the logit scale with the dispersion
  estimated from Pearson's χ²/df with the trials as variance weights (quasi-binomial), `fit_binomial_trend`;
- shares only: a weighted linear model of logit(share) on time, `fit_logit_trend` (approximate
  published values, "about 30 %", get half weight);
- several instruments of one quantity: `fit_measurement_model`, a common logit-linear trend with a
  source-specific offset and a source-specific noise scale on top of the known rounding/sampling
  error; the linear parameters are integrated exactly, the noise scales on a grid (half-normal prior);
- regional series in one frame shape (`REGIONAL_COLUMNS`): `fit_regional_model`, a common trend with
  a random level per region (MixedLM); `regional_series_from_table` builds the frame from the raw table.

Each number says which question it answers: `probability_of_reaching` and `MeasurementFit.probability`
take an estimand, "level" (the true level at the deadline) or "observation" (a new noisy observation);
for WLS and GLM fits the probability comes from the t distribution with the residual df.
Observations are dated by when they were collected (`observation_dates`), not by the end of the year.
The four questions of report 30 (`target_status`, `ex_ante_view`, `path_against_observed`,
`when_reached`) return facts: counts, county codes, dates, probabilities and an outcome code when a
model gives no answer; helpers.reports.trends_view words them in the reader's language.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats
from scipy.special import expit, logit

from ..errors import DataError
from ..paths import RAW
from ..record.record import load_registry, load_table

MIN_POINTS = 3  # fewer observations than this: fit_logit_trend and fit_binomial_trend refuse


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
    reg = load_registry(raw_dir)
    sel["county_code"] = [reg.code(str(g), file="ext_regular_doctor_observations.csv", row=int(i) + 1,
                                   column="geography") for i, g in zip(sel.index, sel["geography"])]
    return sel[["county_code", "geography", "period_end", "value", "met", "measure_type", "source"]].sort_values(
        "value", ascending=False).reset_index(drop=True)


# --- dates of the observations ------------------------------------------------------------------------

def observation_dates(obs: pd.DataFrame) -> pd.DataFrame:
    """Add `date` (fieldwork end, else the period end), `date_basis` (its code: collected, period_end) and `t`."""
    date = obs["fieldwork_end"].fillna(obs["period_end"]) if "fieldwork_end" in obs else obs["period_end"]
    basis = np.where(obs["fieldwork_end"].notna(), "collected", "period_end") if "fieldwork_end" in obs \
        else "period_end"
    return obs.assign(date=pd.to_datetime(date), date_basis=basis, t=decimal_year(pd.to_datetime(date)))


def collected_before(obs: pd.DataFrame, deadline: pd.Timestamp) -> pd.DataFrame:
    """Return the observations collected on or before the deadline (by their `date`)."""
    return obs[observation_dates(obs)["date"] <= pd.Timestamp(deadline)].reset_index(drop=True)


# --- a measurement model that keeps sources apart -------------------------------------------------------

ROUNDING_HALF_WIDTH_PP = 0.5       # a value published as a whole percent: true value within ±0.5 points
APPROXIMATE_HALF_WIDTH_PP = 2.5    # "about 30 %", "just over 40 %", "three in ten": within ±2.5 points
NOISE_PRIOR_SCALE = 0.25           # half-normal prior scale of each source's extra noise, logit units


def _known_variance(share: np.ndarray, approximate: np.ndarray, n_eff: np.ndarray) -> np.ndarray:
    """Return the known variance of logit(share): rounding (uniform) plus sampling, delta method."""
    half = np.where(approximate, APPROXIMATE_HALF_WIDTH_PP, ROUNDING_HALF_WIDTH_PP) / 100
    var_share = (2 * half) ** 2 / 12 + np.where(n_eff > 0, share * (1 - share) / np.where(n_eff > 0, n_eff, 1), 0.0)
    return var_share / (share * (1 - share)) ** 2


@dataclass
class MeasurementFit:
    """Posterior of a common logit-linear trend with source offsets and source noise (grid over the noise)."""

    reference: str
    sources: list[str]              # sources in the fit, the reference first
    left_out: list[str]             # sources seen once: they would only fix their own offset
    t0: float
    n: int
    weights: np.ndarray             # posterior weight of each grid point of the noise scales
    sigma: np.ndarray               # (G, S) noise scale of each source at each grid point
    means: np.ndarray               # (G, k) posterior mean of (a, b, offsets) given the noise scales
    covs: np.ndarray                # (G, k, k)

    def _x(self, t: np.ndarray) -> np.ndarray:
        t = np.atleast_1d(np.asarray(t, dtype=float))
        x = np.zeros((len(t), self.means.shape[1]))
        x[:, 0], x[:, 1] = 1.0, t - self.t0
        return x

    def _moments(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x = self._x(t)
        m = self.means @ x.T                                          # (G, T)
        v = np.einsum("tk,gkl,tl->gt", x, self.covs, x)
        return m, v

    def probability(self, t: float, threshold: float, estimand: str = "level") -> float:
        """Return P(reference level at t ≥ threshold) or, estimand "observation", P(a new reference value ≥ it)."""
        if estimand not in ESTIMANDS:
            raise ValueError(f"estimand must be one of {', '.join(ESTIMANDS)}, not '{estimand}'")
        m, v = self._moments(np.array([t]))
        if estimand == "observation":
            v = v + self.sigma[:, :1] ** 2 + _known_variance(expit(m), np.zeros_like(m, bool), np.zeros_like(m))
        return float(self.weights @ stats.norm.sf((logit(threshold) - m[:, 0:1]) / np.sqrt(v))[:, 0])

    def predict(self, t: np.ndarray, alpha: float = 0.05, *, draws: int = 4000, seed: int = 1) -> pd.DataFrame:
        """Return the reference source's mean share, credible and prediction intervals at times t."""
        rng = np.random.default_rng(seed)
        m, v = self._moments(t)
        g = rng.choice(len(self.weights), size=draws, p=self.weights)
        z = rng.standard_normal((draws, m.shape[1]))
        level = m[g] + z * np.sqrt(v[g])
        obs_sd = np.sqrt(self.sigma[g, :1] ** 2 + _known_variance(expit(level), np.zeros_like(level, bool),
                                                                  np.zeros_like(level)))
        new = level + rng.standard_normal(level.shape) * obs_sd
        q = [alpha / 2, 1 - alpha / 2]
        lo, hi = np.quantile(expit(level), q, axis=0)
        plo, phi = np.quantile(expit(new), q, axis=0)
        return pd.DataFrame({"t": np.atleast_1d(t), "mean": np.median(expit(level), axis=0), "ci_low": lo,
                             "ci_high": hi, "pi_low": plo, "pi_high": phi})

    def parameters(self) -> pd.DataFrame:
        """Return posterior means and standard deviations (logit scale) of each term, as codes the reports word.

        `term` is level (the reference source at the mean time), slope (the common slope per year),
        offset (a source against the reference) or noise (a source's extra noise sd); `source` names
        the source it belongs to (none for the slope).
        """
        mean = self.weights @ self.means
        second = np.einsum("g,gkl->kl", self.weights, self.covs + np.einsum("gk,gl->gkl", self.means, self.means))
        sd = np.sqrt(np.diag(second) - mean ** 2)
        terms = [("level", self.reference), ("slope", None)] + [("offset", s) for s in self.sources[1:]]
        rows = [{"term": term, "source": src, "posterior_mean": mu, "posterior_sd": s}
                for (term, src), mu, s in zip(terms, mean, sd)]
        for j, s in enumerate(self.sources):
            sig = self.sigma[:, j]
            sig_mean = float(self.weights @ sig)
            rows.append({"term": "noise", "source": s, "posterior_mean": sig_mean,
                         "posterior_sd": float(np.sqrt(self.weights @ (sig - sig_mean) ** 2))})
        return pd.DataFrame(rows)

    def mean_trend(self) -> tuple[float, float]:
        """Return the posterior mean of the reference intercept (at t0) and of the common slope."""
        mean = self.weights @ self.means
        return float(mean[0]), float(mean[1])


class NotSeparable(ValueError):
    """The observations cannot tell the trend from the sources' offsets."""


def fit_measurement_model(obs: pd.DataFrame, reference: str, *, source_column: str = "measure_type",
                          prior_scale: float = NOISE_PRIOR_SCALE, grid_points: int = 40) -> MeasurementFit:
    """Fit logit(value) = a + b·(t − t0) + offset[source] + noise[source] + known error, sources kept apart.

    obs has t, value (percent), approximate and `source_column` (optionally n_eff). Offsets and the
    trend have flat priors and are integrated exactly; each source's noise scale has a half-normal
    prior and is integrated on a grid. Sources with one observation are left out (they fix only
    their own offset).
    """
    if len(obs) == 0:
        raise ValueError("no observations")
    counts = obs[source_column].value_counts()
    if reference not in counts.index:
        raise ValueError(f"the reference source '{reference}' has no observation")
    keep = [reference] + sorted(s for s in counts.index if s != reference and counts[s] >= 2)
    left_out = sorted(s for s in counts.index if s != reference and counts[s] < 2)
    d = obs[obs[source_column].isin(keep)]
    t = d["t"].to_numpy(dtype=float)
    share = d["value"].to_numpy(dtype=float) / 100
    if np.any((share <= 0) | (share >= 1)):
        raise ValueError("values must lie strictly between 0 and 100 percent")
    n_eff = d["n_eff"].fillna(0).to_numpy(dtype=float) if "n_eff" in d else np.zeros(len(d))
    known = _known_variance(share, d["approximate"].to_numpy(dtype=bool), n_eff)
    y = logit(share)
    src = d[source_column].map({s: i for i, s in enumerate(keep)}).to_numpy()
    t0 = float(t.mean())
    x = np.column_stack([np.ones_like(t), t - t0] + [(src == i).astype(float) for i in range(1, len(keep))])
    k = x.shape[1]
    if np.linalg.matrix_rank(x) < k:
        raise NotSeparable(f"{len(d)} observations cannot separate a trend from {len(keep) - 1} source offset(s): "
                         "every source needs points at two or more times")
    # grid of noise scales: log-spaced, each source its own axis
    axis = np.geomspace(0.005, 4 * prior_scale, grid_points)
    sigma = np.stack(np.meshgrid(*[axis] * len(keep), indexing="ij"), -1).reshape(-1, len(keep))
    var = known[None, :] + sigma[:, src] ** 2                          # (G, n)
    w = 1 / var
    xtwx = np.einsum("gi,ik,il->gkl", w, x, x)
    cov = np.linalg.inv(xtwx)
    beta = np.einsum("gkl,gl->gk", cov, np.einsum("gi,ik,i->gk", w, x, y))
    resid = y[None, :] - beta @ x.T
    _, logdet = np.linalg.slogdet(xtwx)
    # marginal likelihood of the noise scales (flat prior on the linear parameters), half-normal prior,
    # log-spaced grid (Jacobian σ)
    loglik = -0.5 * np.log(var).sum(1) - 0.5 * (w * resid ** 2).sum(1) - 0.5 * logdet
    logprior = (-0.5 * (sigma / prior_scale) ** 2 + np.log(sigma)).sum(1)
    lw = loglik + logprior
    weights = np.exp(lw - lw.max())
    return MeasurementFit(reference, keep, left_out, t0, len(d), weights / weights.sum(), sigma, beta, cov)


# --- regional series in one shape -------------------------------------------------------------------

REGIONAL_COLUMNS = ["county_code", "region", "kpi", "period", "date", "value", "status", "source"]


def check_regional_frame(frame: pd.DataFrame, source: str = "regional series") -> pd.DataFrame:
    """Check a frame of the regional-series shape; return it typed, or raise DataError naming row and column."""
    missing = [c for c in REGIONAL_COLUMNS if c not in frame.columns]
    if missing:
        raise DataError(source, f"missing column(s) {', '.join(missing)} (expected: {', '.join(REGIONAL_COLUMNS)})",
                        column=missing[0])
    f = frame[REGIONAL_COLUMNS].reset_index(drop=True)
    codes = set(load_registry().codes)
    bad = ~f["county_code"].astype(str).isin(codes)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DataError(source, f"'{f['county_code'].iloc[i]}' is not a 2-digit SCB county code", row=i + 1,
                        column="county_code")
    value = pd.to_numeric(f["value"], errors="coerce").astype(float)
    bad = (f["value"].notna() & value.isna()) | (value < 0) | (value > 100)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DataError(source, f"'{f['value'].iloc[i]}' is not a percentage between 0 and 100", row=i + 1,
                        column="value")
    date = pd.to_datetime(f["date"], errors="coerce")
    if date.isna().any():
        i = int(np.flatnonzero(date.isna())[0])
        raise DataError(source, f"'{f['date'].iloc[i]}' is not a date", row=i + 1, column="date")
    dup = f.duplicated(["county_code", "kpi", "period"])
    if dup.any():
        i = int(np.flatnonzero(dup)[0])
        raise DataError(source, f"region {f['county_code'].iloc[i]}, {f['kpi'].iloc[i]} {f['period'].iloc[i]} "
                        "appears twice", row=i + 1, column="county_code")
    return f.assign(county_code=f["county_code"].astype(str), region=f["region"].astype(str),
                    kpi=f["kpi"].astype(str), period=f["period"].astype(int), date=date, value=value,
                    status=f["status"].astype("string").fillna(""), source=f["source"].astype(str))


def regional_series_from_table(table: pd.DataFrame | None = None, raw_dir: Path = RAW) -> pd.DataFrame:
    """Return the Kolada regional table (default: ext_kolada_patient_continuity) in the regional-series shape."""
    t = load_table("ext_kolada_patient_continuity", raw_dir) if table is None else table
    reg = load_registry(raw_dir)
    codes = t["kolada_id"].astype(str).str[-2:]
    printed = [reg.code(str(p), file="ext_kolada_patient_continuity.csv", row=i + 1, column="region_printed")
               for i, p in enumerate(t["region_printed"])]
    clash = codes.to_numpy() != np.array(printed)
    if clash.any():
        i = int(np.flatnonzero(clash)[0])
        raise DataError("ext_kolada_patient_continuity.csv", f"Kolada id {t['kolada_id'].iloc[i]} and region "
                        f"'{t['region_printed'].iloc[i]}' name different regions", row=i + 1, column="kolada_id")
    frame = pd.DataFrame({"county_code": codes.to_numpy(), "region": [reg.name(c) for c in codes],
                          "kpi": t["kpi"].astype(str).to_numpy(), "period": t["period"].astype(int).to_numpy(),
                          "date": pd.to_datetime(t["date"]).to_numpy(),
                          "value": pd.to_numeric(t["value"]).astype(float).to_numpy(),
                          "status": t["status"].astype("string").fillna("").to_numpy(),
                          "source": t["source"].astype(str).to_numpy()})
    return check_regional_frame(frame, "ext_kolada_patient_continuity.csv")


def regional_series(kpi: str, raw_dir: Path = RAW) -> pd.DataFrame:
    """Return one Kolada KPI per region: the newest fetched snapshot when there is one, else the shipped table.

    Fetch any KPI with `python -m helpers fetch kolada KPI` (helpers.opendata); the snapshot is
    read offline and its path and checksum go into the provenance ledger. Without a snapshot the
    shipped table (external-facts §6, four KPIs) is used; a KPI in neither is an error naming the fetch.
    """
    from .. import provenance
    from ..opendata.kolada import read_kolada_snapshot
    from ..opendata.snapshots import newest_snapshot

    path = newest_snapshot("kolada", kpi, root=Path(raw_dir) / "snapshots")
    if path is not None:
        provenance.note(path)
        frame = read_kolada_snapshot(path)
        return check_regional_frame(frame[frame["kpi"] == kpi].reset_index(drop=True), str(path.name))
    frame = regional_series_from_table(raw_dir=raw_dir)
    frame = frame[frame["kpi"] == kpi].reset_index(drop=True)
    if frame.empty:
        raise DataError("data/raw/ext_kolada_patient_continuity.csv", f"no values of KPI {kpi} shipped and no "
                        f"snapshot fetched: run `.venv/bin/python -m helpers fetch kolada {kpi}` first", column="kpi")
    return frame


@dataclass
class RegionalFit:
    """A common trend across regions with a random level per region, for one KPI."""

    kpi: str
    result: object
    data: pd.DataFrame
    t0: float
    dropped: int                    # missing values of the KPI left out
    warnings: list[str]             # what statsmodels warned while fitting, as it said it

    @property
    def periods(self) -> list[int]:
        """The periods with values, in order."""
        return sorted(int(p) for p in self.data["period"].unique())

    def summary(self, alpha: float = 0.05) -> pd.DataFrame:
        """Return the common change per year (logit and, at the mean level, percentage points) and the spreads.

        `quantity` is a code: change_logit, change_points, sd_levels (the regions' levels, logit),
        sd_noise (a region's year-to-year noise, logit); the spreads have no interval.
        """
        r = self.result
        b, se = float(r.params["tc"]), float(r.bse["tc"])  # type: ignore[attr-defined]
        z = stats.norm.ppf(1 - alpha / 2)
        p = float(expit(r.params["Intercept"]))  # type: ignore[attr-defined]
        pp = p * (1 - p) * 100   # d share / d logit at the mean level, in points
        return pd.DataFrame([
            {"quantity": "change_logit", "estimate": b, "low": b - z * se, "high": b + z * se},
            {"quantity": "change_points", "estimate": b * pp,
             "low": (b - z * se) * pp, "high": (b + z * se) * pp},
            {"quantity": "sd_levels", "estimate": float(np.sqrt(r.cov_re.iloc[0, 0])),  # type: ignore[attr-defined]
             "low": np.nan, "high": np.nan},
            {"quantity": "sd_noise", "estimate": float(np.sqrt(r.scale)),  # type: ignore[attr-defined]
             "low": np.nan, "high": np.nan}])

    def regions(self) -> pd.DataFrame:
        """Return each region's observed values and its pooled (shrunken) level at the latest period."""
        wide = self.data.pivot_table(index=["county_code", "region"], columns="period", values="value").reset_index()
        wide.columns = [str(c) for c in wide.columns]
        r = self.result
        re = pd.Series({k: float(v.iloc[0]) for k, v in r.random_effects.items()})  # type: ignore[attr-defined]
        t_last = float(self.data["t"].max()) - self.t0
        base = float(r.params["Intercept"] + r.params["tc"] * t_last)  # type: ignore[attr-defined]
        wide["pooled_latest"] = expit(base + wide["county_code"].map(re).to_numpy()) * 100
        return wide


def fit_regional_model(frame: pd.DataFrame, kpi: str) -> RegionalFit:
    """Fit logit(value) ~ time with a random level per region (MixedLM, REML) to one KPI of a regional frame."""
    f = check_regional_frame(frame)
    d = f[(f["kpi"] == kpi) & f["value"].notna()].copy()
    per_region = d.groupby("county_code")["period"].nunique()
    if (per_region >= 2).sum() < 2:
        raise ValueError(f"{kpi}: a hierarchical model needs two or more regions with values in two or more periods "
                         f"({int((per_region >= 2).sum())} have)")
    d["t"] = decimal_year(d["date"])
    t0 = float(d["t"].mean())
    d["tc"] = d["t"] - t0
    d["y"] = logit(d["value"] / 100)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = sm.MixedLM.from_formula("y ~ tc", groups="county_code", data=d).fit(reml=True)
    dropped = int(((f["kpi"] == kpi) & f["value"].isna()).sum())
    return RegionalFit(kpi, res, d, t0, dropped, [str(w.message) for w in caught])


# --- the four questions per target: status, ex-ante view, required path, time to reach ----------------

@dataclass
class TargetStatus:
    """(a): the target's own measure at the deadline, as facts (helpers.reports.trends_view words them)."""

    threshold_pct: float | None     # the target in percent (None: not quantified)
    regional: pd.DataFrame          # published region values: county_code, geography, period_end, value, met, …
    absent: dict[str, str]          # county code → name of the regions without a published value, in county order
    reported: pd.Series | None      # the national count of regions meeting the target: value, period_end, source
    national: pd.DataFrame          # national values on the target's own measure, dated (observation_dates)


def target_status(tgt: pd.Series, raw_dir: Path = RAW) -> TargetStatus:
    """Return (a): the target's own measure at the deadline: regions that met it, reported, not published."""
    threshold = float(tgt["value"]) if pd.notna(tgt["value"]) else None
    regional = regions_against_target(str(tgt["indicator"]), np.inf if threshold is None else threshold, raw_dir)
    reg = load_registry(raw_dir)
    published = set(regional["county_code"])
    absent = {c: reg.name(c) for c in reg.codes if c not in published}
    # a count of regions meeting a target is an observation of indicator 'regions_meeting:<target_id>'
    counts = observations(f"regions_meeting:{tgt.name}", raw_dir=raw_dir)
    obs = observation_dates(load_table("ext_regular_doctor_observations", raw_dir))
    national = obs[(obs["indicator"] == tgt["indicator"]) & (obs["geography"] == "Riket")].reset_index(drop=True)
    return TargetStatus(threshold, regional, absent, counts.iloc[0] if len(counts) else None, national)


# why a model gives no answer: too_few (fewer than two values of the reference source), not_separable
# (the values cannot tell the trend from the sources' offsets), not_quantified (the target has no number)
OUTCOMES = ("estimated", "too_few", "not_separable", "not_quantified")


@dataclass
class ExAnte:
    """(b): what the data collected before the deadline said about the deadline."""

    used: pd.DataFrame
    fit: MeasurementFit | None
    p_level: float | None
    p_observation: float | None
    outcome: str                    # one of OUTCOMES
    n_reference: int                # values of the reference source collected by the deadline


def _fit_or_outcome(obs: pd.DataFrame, reference: str, source_column: str) -> tuple[MeasurementFit | None, str, int]:
    n_ref = int((obs[source_column] == reference).sum())
    if n_ref < 2:
        return None, "too_few", n_ref
    try:
        return fit_measurement_model(obs, reference, source_column=source_column), "estimated", n_ref
    except NotSeparable:
        return None, "not_separable", n_ref


def ex_ante_view(obs: pd.DataFrame, reference: str, deadline: pd.Timestamp, threshold: float | None, *,
                 source_column: str = "measure_type") -> ExAnte:
    """Fit the measurement model to the observations collected by the deadline; return both probabilities."""
    used = observation_dates(collected_before(obs, deadline))
    d_t = float(decimal_year(pd.Series([pd.Timestamp(deadline)])).iloc[0])
    fit, outcome, n_ref = _fit_or_outcome(used, reference, source_column)
    if fit is None:
        return ExAnte(used, None, None, None, outcome, n_ref)
    if threshold is None:
        return ExAnte(used, fit, None, None, "not_quantified", n_ref)
    return ExAnte(used, fit, fit.probability(d_t, threshold, "level"), fit.probability(d_t, threshold, "observation"),
                  "estimated", n_ref)


@dataclass
class RequiredPath:
    """(c): the straight path the target required, from the last value before the agreement's year."""

    baseline_value: float           # percent
    baseline_date: pd.Timestamp
    baseline_basis: str             # collected, period_end
    baseline_before: pd.Timestamp
    target_pct: float
    deadline: pd.Timestamp
    points_per_year: float


def path_against_observed(obs: pd.DataFrame, baseline_before: pd.Timestamp, deadline: pd.Timestamp,
                          threshold: float) -> tuple[pd.DataFrame, RequiredPath | None]:
    """Return (c): the straight path from the last value before `baseline_before` to the target, vs observed.

    No value before `baseline_before`: an empty table and None (the path has no starting point).
    """
    o = observation_dates(obs).sort_values("date")
    base = o[o["date"] < pd.Timestamp(baseline_before)]
    if base.empty:
        return pd.DataFrame(), None
    b = base.iloc[-1]
    d_t = float(decimal_year(pd.Series([pd.Timestamp(deadline)])).iloc[0])
    later = o[o["date"] >= b["date"]]
    req = required_path(b["t"], b["value"] / 100, d_t, threshold, later["t"].to_numpy()) * 100
    req = np.where(later["t"].to_numpy() > d_t, threshold * 100, req)   # after the deadline the target holds
    table = pd.DataFrame({"date": later["date"].to_numpy(), "date_basis": later["date_basis"].to_numpy(),
                          "observed_pct": later["value"].to_numpy(dtype=float), "required_pct": req,
                          "gap_points": later["value"].to_numpy(dtype=float) - req})
    path = RequiredPath(float(b["value"]), pd.Timestamp(b["date"]), str(b["date_basis"]), pd.Timestamp(baseline_before),
                        threshold * 100, pd.Timestamp(deadline), (threshold * 100 - b["value"]) / (d_t - b["t"]))
    return table, path


@dataclass
class Reaching:
    """(d): the trend fitted to every observation and when it reaches the target.

    `outcome` is one of OUTCOMES; when estimated, `when` is the decimal year the mean trend reaches
    the target (the last observation's time when it is already there; None: not by the horizon).
    """

    fit: MeasurementFit | None
    prediction: pd.DataFrame | None
    when: float | None
    outcome: str
    n_reference: int
    slope: float | None = None      # posterior mean of the common slope, logit per year
    slope_sd: float | None = None
    already: bool = False           # at or above the target at the last observation
    horizon: float | None = None


def when_reached(obs: pd.DataFrame, reference: str, threshold: float | None, *, horizon: float,
                 source_column: str = "measure_type", seed: int = 1) -> Reaching:
    """Fit the measurement model to all observations; return when its mean trend reaches the threshold."""
    o = observation_dates(obs)
    fit, outcome, n_ref = _fit_or_outcome(o, reference, source_column)
    if fit is None:
        return Reaching(None, None, None, outcome, n_ref)
    # the reference instrument's level is drawn from its own first value on, not back into years it did not exist
    grid = np.linspace(float(o.loc[o[source_column] == reference, "t"].min()) - 0.5, horizon, 80)
    pred = fit.predict(grid, seed=seed)
    if threshold is None:
        return Reaching(fit, pred, None, "not_quantified", n_ref)
    a, b = fit.mean_trend()
    start = float(o["t"].max())
    when = time_reaching(a, b, fit.t0, threshold, start=start, horizon=horizon)
    slope_sd = float(fit.parameters().iloc[1]["posterior_sd"])
    return Reaching(fit, pred, when, "estimated", n_ref, b, slope_sd, when == start, horizon)
