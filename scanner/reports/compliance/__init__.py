"""`custos report compliance`: gather the numbers (gather.py), draw the charts (charts.py), render them as HTML,
Markdown or PDF (render_html.py, render_md.py, pdf.py), in Chinese or English (catalogue.py)."""
