"""The platform's dashboards (issue 17, item 4): a teacher's growth over a term, portraits and norms
of a school or region, named comparisons of teachers who consented. Built from the store's queries
and the reports package's own chart builders; each chart's table downloads as CSV."""
