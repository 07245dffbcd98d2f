"""Gunicorn settings for serving the CRM (`gunicorn crm.wsgi` reads this file from the project
folder; the bench and the API fuzz test name it explicitly).

Gunicorn answers a request line over its limit (4094 bytes by default) with its own HTML 400,
outside the API's JSON error shape (API.md, Errors). The limit is lifted here so that Django
answers every malformed request in that shape; the length of a URL is bounded by the reverse
proxy in front (nginx: `large_client_header_buffers`), and Django bounds the number of query
fields (DATA_UPLOAD_MAX_NUMBER_FIELDS).
"""

limit_request_line = 0
