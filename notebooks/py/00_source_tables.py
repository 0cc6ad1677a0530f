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
# # The published record: source tables of one agreement year
#
# Which tables does the agreement of the chosen year print, where does each figure come from, and is the printed record internally consistent? Every figure below is transcribed from the source documents into `data/raw/` (one CSV per printed table, catalogued in `data/raw/catalog.yml`) and checked by a test that finds each figure in the source text.

# %% tags=["parameters", "no-output"]
year: int = 2020  # agreement year whose printed tables to show (any year in data/raw/rules/allocation_rules.csv)

# %%
from IPython.display import Markdown, display

from helpers.record.checks import run_checks
from helpers.record.record import load_record
from helpers.reports import views
from helpers.reports.derived import write_derived
from helpers.reports.format import headline, kr, style_table

record = load_record()
record.check_year(year)
display(Markdown(f"## Agreement year {year}"))

# %% [markdown]
# ## Sources
#
# The documents and sections the tables come from, their units and the reference date of their inputs.

# %%
overview = views.source_overview(record, year)
style_table(overview[['table', 'document', 'reference', 'date', 'section', 'unit', 'reference_date', 'rows', 'printed_total_row']])

# %% [markdown]
# ## Consistency of the printed record
#
# Every raw table of the year was parsed and validated against its schema (a broken file would have stopped this report with a message naming the file, row and column). Below are the *findings*: places where the source is inconsistent with itself — a column that does not add up to its printed total, a printed share that does not match its counts, two tables printing different figures for the same thing, or a total stated in the text that the pots do not add up to.

# %%
year_findings = views.year_findings(run_checks(record, year), year)
summary = views.findings_summary(year_findings)
display(Markdown(f"**{len(year_findings)} finding(s)** in the {year} record."))
style_table(summary, decimals={'sum_abs_difference': 1})

# %%
style_table(year_findings[['table', 'check', 'row', 'column', 'printed', 'computed', 'difference', 'unit', 'explanation']],
            decimals={'printed': 1, 'computed': 1, 'difference': 1})

# %% [markdown]
# ## The tables as printed
#
# Each table as transcribed, with the region names harmonised to the registry (the printed spelling is kept in the raw file) and the printed total row last.

# %%
for name in overview['table']:
    display(views.printed_table(record, name))

# %% [markdown]
# ## Save
#
# The year's findings are written to `data/derived/` with a provenance sidecar listing every file read.

# %%
write_derived(year_findings, f'findings_{year}', params={'year': year},
              description=f'Inconsistencies within the printed record of {year}')
sek = year_findings.loc[year_findings['unit'] == 'SEK', 'difference'].abs()
headline({'tables': len(overview), 'findings': len(year_findings),
          'largest discrepancy (SEK)': kr(sek.max()) if len(sek) else '–'})

# %% [markdown]
# ## What this means
#
# The counts above are what the analyst should carry forward: a finding is not an error in this project but a property of the published record. Where a printed column does not add up to its printed total by a krona, the table was rounded per cell; where two tables print different amounts for the same region (2020: Bilaga 2 and Bilaga 4 for child health care), the recomputation report (`10_recompute_distributions`) shows which rule each follows. For 2022–2024 only totals, recipients and areas (and, for 2024, the municipalities' money per county) are at hand; where a stated total is not the sum of the published parts, that is a finding too.
