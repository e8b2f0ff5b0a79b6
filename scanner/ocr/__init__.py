"""Reading text off pictures: scans, photos of cards, image-only PDF pages and images inside Office files.

`engine` wraps the recognizer (loaded on first use, optional extra `ocr`), `orientation` turns a picture
upright, `layout` puts recognized lines into reading order as text with their boxes, `pictures` opens image
files, `pdf_pages` renders pages without a text layer and takes out the pictures drawn on pages with one,
`document_kind` tells an ID card or bank card from its text, `reading_cache` remembers readings by picture hash
(in memory), and `reader` ties them into `TextBlock`s.
"""
