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

# %% [markdown]
# <!-- For editors: the reader sees the texts of the catalogue (src/helpers/reports/i18n/<language>.yml), not this cell. -->

# %% tags=["parameters", "no-output"]
year: int = 2020  # agreement year whose printed tables to show (any year in data/raw/rules/allocation_rules.csv)
language: str = "sv"  # language of the report: sv (Swedish) or en (English)

# %%
# The published record: the source tables of one agreement year, and whether they are consistent.
from IPython.display import Markdown, display

from helpers.record.checks import run_checks
from helpers.record.record import load_record
from helpers.reports import views
from helpers.reports.derived import write_derived
from helpers.reports.format import headline, money
from helpers.reports.i18n import catalogue

cat = catalogue(language)
record = load_record()
record.check_year(year)
display(Markdown(cat.md('nb00.title', year=year) + '\n\n' + cat.t('nb00.intro')))

# %%
# Sources: the documents and sections the tables come from
display(Markdown(cat.t('nb00.sources')))
views.show_table(views.sources_table(record, year, language), language, empty=cat.md('nb00.no_sources', year=year))

# %%
# Consistency of the printed record: the findings
year_findings = views.year_findings(run_checks(record, year), year)
display(Markdown(cat.t('nb00.consistency') + '\n\n' + cat.md('nb00.n_findings', n=len(year_findings), year=year)))
views.show_table(views.findings_counts(record, year_findings, language), language,
                 empty=cat.md('nb00.no_findings', year=year), decimals={'sum_abs_difference': 1})

# %%
views.show_table(views.findings_view(record, year_findings, language), language, empty=cat.md('nb00.no_findings_detail'),
                 decimals={'printed': 1, 'computed': 1, 'difference': 1})

# %%
# The tables as printed, region names harmonised, the printed total row last
display(Markdown(cat.t('nb00.tables')))
for spec in record.catalog.for_year(year):
    display(views.printed_table_view(record, spec.name, language))

# %%
# Save the findings (the writer adds the provenance sidecar)
write_derived(year_findings, f'findings_{year}', params={'year': year},
              description=f'Inconsistencies within the printed record of {year}')
sek = year_findings.loc[year_findings['unit'] == 'SEK', 'difference'].abs()
headline({cat.t('nb00.h_tables', year=year): len(record.catalog.for_year(year)),
          cat.t('nb00.h_findings', year=year): len(year_findings),
          cat.t('nb00.h_largest', year=year): money(sek.max(), language) if len(sek) else cat.t('common.none')},
         language=language)

# %%
# What this means
display(Markdown(cat.t('nb00.conclusion')))
