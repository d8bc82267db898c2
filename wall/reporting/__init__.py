"""After the event: open data export (dataset, formats) and the report (figures, charts, page)."""
