"""Tables in the files people use: hand-coded sheets (:mod:`.coded_sheets`), CSV/XLSX tables with
row numbers (:mod:`.read`), and tables written for researchers (:mod:`.write`)."""
